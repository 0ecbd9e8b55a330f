import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCustomer, type Customer } from '../../src/core/customer.js';
import { EmailClaims, findDuplicates } from '../../src/core/duplicates.js';
import { markInvalid } from '../../src/core/invalid-input.js';

/** Records that repeat an earlier key or email (case-insensitive) are found by position, so push can refuse them. */
const c = (key: string, email?: string): Customer => parseCustomer({ key, email });

async function* from(records: Customer[]): AsyncGenerator<Customer> {
  yield* records;
}

describe('findDuplicates', () => {
  it('names the repeated key, and the repeated email with the key that had it first', async () => {
    const result = await findDuplicates(from([c('A', 'a@example.com'), c('B', 'b@example.com'), c('A', 'other@example.com'), c('C', 'A@EXAMPLE.COM'), c('D')]));
    expect(result.count).toBe(5);
    expect(result.invalid).toBe(0);
    expect([...result.duplicates]).toEqual([
      [2, 'key A appears more than once in the input'],
      [3, 'email A@EXAMPLE.COM is also on key A earlier in the input'],
    ]);
  });

  it('records without an email are never duplicates of each other; invalid lines are counted and skipped', async () => {
    const bad = markInvalid(c('A', 'a@example.com'), { reason: 'line 1: bad date' });
    const result = await findDuplicates(from([bad, c('A', 'a@example.com'), c('B'), c('C')]));
    expect(result).toEqual({ count: 4, invalid: 1, duplicates: new Map() });
  });

  it('an empty input', async () => {
    expect(await findDuplicates(from([]))).toEqual({ count: 0, invalid: 0, duplicates: new Map() });
  });
});

describe('EmailClaims', () => {
  it('the first key to claim an email keeps it; the same key may claim it again', () => {
    const claims = new EmailClaims();
    try {
      expect(claims.claim('a@example.com', 'A')).toBeUndefined();
      expect(claims.claim('a@example.com', 'A')).toBeUndefined();
      expect(claims.claim('a@example.com', 'B')).toBe('A');
      expect(claims.claim('b@example.com', 'B')).toBeUndefined();
    } finally {
      claims.close();
    }
    // Closing twice is harmless.
    claims.close();
  });
});

describe('temporary files', () => {
  // Each check keeps its seen keys in a SQLite file under the temporary directory: a push or a dry
  // run must not leave one behind per run. TMPDIR is pointed at a directory of the test's own, so
  // that other runs on the machine do not count.
  it('findDuplicates and EmailClaims leave nothing behind in the temporary directory', async () => {
    const own = mkdtempSync(join(tmpdir(), 'dupes-test-'));
    const before = process.env.TMPDIR;
    process.env.TMPDIR = own;
    try {
      await findDuplicates(from([c('A', 'a@example.com'), c('A')]));
      expect(readdirSync(own)).toEqual([]);
      const claims = new EmailClaims();
      claims.claim('a@example.com', 'A');
      expect(readdirSync(own)).toHaveLength(1);
      claims.close();
      expect(readdirSync(own)).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
      rmSync(own, { recursive: true, force: true });
    }
  });
});
