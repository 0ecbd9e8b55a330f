import { describe, expect, it } from 'vitest';
import { parseCustomer, type Customer } from '../../src/core/customer.js';
import type { Dialect, DialectContext } from '../../src/core/dialect.js';
import { unchangedCheck } from '../../src/core/unchanged.js';

/**
 * The check `push` runs before sending a record to a target whose write
 * cannot tell "unchanged" by itself (`Dialect.stored`). The target here is a
 * plain in-memory dialect: what is under test is the decision, not the I/O
 * (`test/e2e/unchanged-repush.test.ts` holds it end to end).
 */
const ctx = { profileName: 'target' } as unknown as DialectContext;

function target(held: Customer[], extra: Partial<Dialect> = {}): Dialect {
  const byKey = new Map(held.map((c) => [c.key, c]));
  return {
    id: 'memory',
    title: 'in memory',
    kind: 'remote',
    read: () => { throw new Error('not read'); },
    write: () => { throw new Error('not written'); },
    stored: async (_ctx, record) => byKey.get(record.key),
    count: async () => byKey.size,
    ...extra,
  };
}

const ann = parseCustomer({ key: '1', email: 'ann@example.com', firstName: 'Ann', updatedAt: '2026-01-01T00:00:00Z' });

describe('unchangedCheck', () => {
  it('none for a target whose write compares by itself (no `stored`)', async () => {
    const dialect = target([ann]);
    delete dialect.stored;
    expect(await unchangedCheck({ dialect, ctx })).toBeUndefined();
  });

  it('none for an empty target: every record would be new', async () => {
    expect(await unchangedCheck({ dialect: target([]), ctx })).toBeUndefined();
  });

  it('a target that cannot count, or fails to, is looked up record by record', async () => {
    const silent = await unchangedCheck({ dialect: target([ann], { count: undefined }), ctx });
    expect(await silent!(ann)).toBe(true);
    const failing = await unchangedCheck({ dialect: target([ann], { count: () => Promise.reject(new Error('down')) }), ctx });
    expect(await failing!(ann)).toBe(true);
  });

  it('true when the target holds the record as it would be written, its own dates and fields the record lacks aside', async () => {
    const held = parseCustomer({ ...ann, updatedAt: '2026-05-05T00:00:00Z', createdAt: '2026-05-01T00:00:00Z', lastName: 'Set by someone else' });
    const check = await unchangedCheck({ dialect: target([held]), ctx });
    expect(await check!(ann)).toBe(true);
  });

  it('false when a field differs, or the target does not hold the record', async () => {
    const check = await unchangedCheck({ dialect: target([ann]), ctx });
    expect(await check!(parseCustomer({ ...ann, firstName: 'Anne' }))).toBe(false);
    expect(await check!(parseCustomer({ key: '2', email: 'bob@example.com' }))).toBe(false);
  });

  it("compares the target's projection of the record, not the record itself", async () => {
    const upper = (record: Customer) => parseCustomer({ ...record, firstName: record.firstName?.toUpperCase() });
    const held = parseCustomer({ ...ann, firstName: 'ANN' });
    const check = await unchangedCheck({ dialect: target([held], { project: upper }), ctx });
    expect(await check!(ann)).toBe(true);
    const plain = await unchangedCheck({ dialect: target([held]), ctx });
    expect(await plain!(ann)).toBe(false);
  });

  it('false for a record the target could not take as it is: the write says why', async () => {
    const refuse = () => { throw new Error('no email'); };
    const check = await unchangedCheck({ dialect: target([ann], { project: refuse }), ctx });
    expect(await check!(ann)).toBe(false);
  });
});
