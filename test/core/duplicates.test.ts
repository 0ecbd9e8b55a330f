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
