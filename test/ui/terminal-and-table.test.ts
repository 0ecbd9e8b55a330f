import { describe, expect, it } from 'vitest';
import { labelOf, resumeCommand, shellWord } from '../../src/core/state/runs-query.js';
import { lostFieldsBlock } from '../../src/ui/notes.js';
import { tableLayout, tableLine } from '../../src/ui/table.js';
import { canDisplay, useColour } from '../../src/ui/terminal.js';

describe('what a stream can show', () => {
  it('a live display needs a terminal with a size, and not TERM=dumb', () => {
    expect(canDisplay({ isTTY: true, columns: 80, rows: 24 }, {})).toBe(true);
    expect(canDisplay({ isTTY: true, columns: 0, rows: 0 }, {})).toBe(false);
    expect(canDisplay({ isTTY: true }, {})).toBe(false);
    expect(canDisplay({ isTTY: false, columns: 80, rows: 24 }, {})).toBe(false);
    expect(canDisplay({ isTTY: true, columns: 80, rows: 24 }, { TERM: 'dumb' })).toBe(false);
  });

  it('colour: a terminal, unless NO_COLOR (non-empty), FORCE_COLOR=0 or TERM=dumb', () => {
    expect(useColour({ isTTY: true }, {})).toBe(true);
    expect(useColour({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColour({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(useColour({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
    expect(useColour({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(useColour({ isTTY: false }, {})).toBe(false);
  });
});

describe('the search table', () => {
  it('piped: the fixed widths, and a long cell whole', () => {
    const widths = tableLayout(undefined);
    expect(widths).toEqual([14, 36, 26, 24, 18, 20]);
    expect(tableLine(['k', 'x'.repeat(40), 'n', '', '', ''], widths, false)).toBe(`k${' '.repeat(13)}  ${'x'.repeat(40)}  n\n`);
  });

  it('on a terminal: fills the width exactly, email first, columns dropped only when even their minimums do not fit', () => {
    for (const width of [40, 60, 80, 120, 148, 220]) {
      const widths = tableLayout(width);
      expect(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1), `width ${width}`).toBeLessThanOrEqual(width);
    }
    expect(tableLayout(80)[1]).toBe(36);
    expect(tableLayout(220)[1]).toBeGreaterThan(45);
    expect(tableLayout(40).length).toBeLessThan(6);
    const line = tableLine(['key', 'someone.with.a.long.address@example.com', 'Name', 'Co', 'City', 'vip'], tableLayout(60), true);
    expect([...line.trimEnd()].length).toBeLessThanOrEqual(60);
    expect(line).toContain('…');
  });
});

describe('notes and runs', () => {
  it('lostFieldsBlock: most frequent first, wrapped', () => {
    const block = lostFieldsBlock(new Map([['company', 3], ['groups', 9], ['note', 3]]), 30);
    expect(block).toEqual(['  groups (9), company (3),', '  note (3)']);
  });

  it('resumeCommand: the arguments as typed, quoted for sh, with --resume, in the folder of the run', () => {
    expect(resumeCommand(['migrate', '--from', 'csv:my file.csv', '--to', 'shop'], '/srv', '/srv')).toBe("custsync migrate --from 'csv:my file.csv' --to shop --resume");
    expect(resumeCommand(['migrate', '--from', 'a', '--to', 'b', '--resume'], '/srv/x', '/home')).toBe('cd /srv/x && custsync migrate --from a --to b --resume');
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(labelOf('shop https://shop.example.com/api')).toBe('shop');
    expect(labelOf('csv:in.csv')).toBe('csv:in.csv');
  });
});
