import { describe, expect, it } from 'vitest';
import { formatSpan, parseDuration } from '../../src/core/duration.js';
import { UserError } from '../../src/core/errors.js';

describe('spans of time on the command line', () => {
  it('reads units and their sums, and writes the shortest form back', () => {
    expect(parseDuration('10m', '--lookback')).toBe(600_000);
    expect(parseDuration('1h30m', '--lookback')).toBe(5_400_000);
    expect(parseDuration('90s', '--lookback')).toBe(90_000);
    expect(parseDuration('250ms', '--lookback')).toBe(250);
    expect(parseDuration('0', '--lookback')).toBe(0);
    expect(parseDuration('-1h', '--clock-offset', { signed: true })).toBe(-3_600_000);
    expect(formatSpan(600_000)).toBe('10m');
    expect(formatSpan(5_400_000)).toBe('1h30m');
    expect(formatSpan(0)).toBe('0s');
    expect(formatSpan(-3_600_000)).toBe('-1h');
    for (const ms of [1, 999, 61_000, 86_400_000 + 1000]) expect(parseDuration(formatSpan(ms), 'x')).toBe(ms);
  });

  it('refuses what is not a span, naming the flag', () => {
    for (const bad of ['', '10', 'ten minutes', '5 m', '1y', 'm5', '-10m']) {
      expect(() => parseDuration(bad, '--lookback'), bad).toThrow(UserError);
    }
    expect(() => parseDuration('soon', '--lookback')).toThrow('--lookback "soon" is not a span of time');
  });
});
