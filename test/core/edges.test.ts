import { describe, expect, it } from 'vitest';
import { isCalendarDate } from '../../src/core/customer.js';
import { formatSpan, parseDuration } from '../../src/core/duration.js';
import { guardCell, unguardCell } from '../../src/io/formula.js';

/** Boundaries of small pure helpers that the suite otherwise only met on their common path. */
describe('isCalendarDate', () => {
  it('a day that exists, at the start of the text; leap years; nothing else', () => {
    for (const ok of ['2024-02-29', '2026-01-31', '2026-12-31T23:59:59Z', '2000-02-29']) expect(isCalendarDate(ok), ok).toBe(true);
    for (const bad of ['2023-02-29', '2026-02-30', '2026-13-01', '2026-00-10', '2026-04-31', '1900-02-29', 'x2026-01-01', 'March', '', '2026-1-1']) expect(isCalendarDate(bad), bad).toBe(false);
  });
});

describe('parseDuration edges', () => {
  it('fractions, +, spaces around; the hint follows signed', () => {
    expect(parseDuration(' 1.5h ', '--lookback')).toBe(5_400_000);
    expect(parseDuration('0.5s', '--lookback')).toBe(500);
    expect(parseDuration('1.25h', '--lookback')).toBe(4_500_000);
    expect(parseDuration('+2m', '--clock-offset', { signed: true })).toBe(120_000);
    expect(parseDuration('-0', '--clock-offset', { signed: true })).toBe(0);
    expect(() => parseDuration('+2m', '--lookback')).toThrow('--lookback "+2m" is not a span of time');
    expect(() => parseDuration('x', '--lookback')).toThrow(expect.objectContaining({ hint: 'e.g. --lookback 10m (units ms, s, m, h, d; 1h30m; 0 for none)' }));
    expect(() => parseDuration('x', '--clock-offset', { signed: true })).toThrow(expect.objectContaining({ hint: 'e.g. --clock-offset -1h (units ms, s, m, h, d; 1h30m; 0 for none)' }));
  });

  it('refuses a part without digits after the point, trailing or leading junk, and an endless number', () => {
    for (const bad of ['1.h', '.5h', '1h x', 'x1h', '1h-', '1e3s', `${'9'.repeat(400)}d`, '1 h']) expect(() => parseDuration(bad, '--lookback'), bad).toThrow(/is not a span of time/);
  });

  it('formatSpan: every unit, and a negative span', () => {
    expect(formatSpan(86_400_000 + 3_600_000 + 60_000 + 1000 + 1)).toBe('1d1h1m1s1ms');
    expect(formatSpan(-1)).toBe('-1ms');
    expect(formatSpan(1)).toBe('1ms');
  });
});

describe('formula guard edges', () => {
  it("a cell that really starts with ' before a formula character gets one more, and reading takes one off", () => {
    expect(guardCell("'=x")).toBe("''=x");
    expect(guardCell("''@x")).toBe("'''@x");
    expect(unguardCell("''=x")).toBe("'=x");
    expect(unguardCell("'=x")).toBe('=x');
  });

  it("a ' before anything harmless is left alone both ways", () => {
    for (const cell of ["'abc", "'+1 555 0100", "'-12", "'", "''"]) {
      expect(guardCell(cell), cell).toBe(cell);
      expect(unguardCell(cell), cell).toBe(cell);
    }
    expect(unguardCell("x'=y")).toBe("x'=y");
    expect(unguardCell('=x')).toBe('=x');
  });

  it('round trips, whatever the cell', () => {
    for (const cell of ['=1+1', '@SUM', '\tx', '\rx', '+cmd', '-cmd', '+64 4 555', '-5', "'=a", "''=a", "'x", 'plain', '']) expect(unguardCell(guardCell(cell)), cell).toBe(cell);
  });
});
