import { describe, expect, it } from 'vitest';
import { guardCell, unguardCell } from '../../src/io/formula.js';

describe('formula-safe cells', () => {
  it.each([
    ['=SUM(A1)', "'=SUM(A1)"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['+x', "'+x"],
    ['-x', "'-x"],
    ['-5', '-5'],
    ['+31 20 123 4567', '+31 20 123 4567'],
    ['-(0)20.123', '-(0)20.123'],
    ['plain', 'plain'],
    ["'=already", "''=already"],
    ["'quoted", "'quoted"],
  ])('%j is written as %j and read back', (cell, written) => {
    expect(guardCell(cell)).toBe(written);
    expect(unguardCell(guardCell(cell))).toBe(cell);
  });
});
