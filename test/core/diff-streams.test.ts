import { describe, expect, it } from 'vitest';
import { parseCustomer, type Customer } from '../../src/core/customer.js';
import { compareRecords, diffStreams, flatten, matchKey, type ChangedRecord, type DiffOptions } from '../../src/core/diff.js';

/** diff's matching and field comparison, without the CLI: which records are added, removed, changed or unchanged, and how a change reads. */
const c = (key: string, extra: Record<string, unknown> = {}): Customer => parseCustomer({ key, email: `${key.toLowerCase()}@example.com`, ...extra });

async function* from(records: Customer[]): AsyncGenerator<Customer> {
  yield* records;
}

async function run(newer: Customer[], older: Customer[], options: DiffOptions) {
  const seen = { added: [] as string[], removed: [] as string[], changed: [] as ChangedRecord[], order: [] as string[] };
  const summary = await diffStreams(from(newer), from(older), options, {
    added: (r) => void (seen.added.push(r.key), seen.order.push('added')),
    removed: (r) => void (seen.removed.push(r.key), seen.order.push('removed')),
    changed: (ch) => void (seen.changed.push(ch), seen.order.push('changed')),
    end: () => void seen.order.push('end'),
  });
  return { summary, ...seen };
}

describe('diffStreams', () => {
  it('added, removed, changed and unchanged by key, reported in that order', async () => {
    const result = await run([c('A'), c('B', { note: 'new' }), c('D')], [c('C'), c('B', { note: 'old' }), c('A')], { key: 'key' });
    expect(result.summary).toEqual({ added: 1, removed: 1, changed: 1, unchanged: 1 });
    expect(result.added).toEqual(['D']);
    expect(result.removed).toEqual(['C']);
    expect(result.changed).toEqual([{ key: 'B', email: 'b@example.com', changes: [{ field: 'note', from: 'old', to: 'new' }] }]);
    expect(result.order).toEqual(['added', 'removed', 'changed', 'end']);
  });

  it('by email, without regard to case; a record without an email is always added', async () => {
    const result = await run([c('X1', { email: 'ANN@example.com' }), c('X2', { email: undefined })], [c('Y1', { email: 'ann@EXAMPLE.com' })], { key: 'email' });
    expect(result.summary).toEqual({ added: 1, removed: 0, changed: 1, unchanged: 0 });
    expect(result.added).toEqual(['X2']);
    // Matched by email whatever its case; the keys and the emails as written are still changes.
    expect(result.changed[0].changes).toEqual([
      { field: 'key', from: 'Y1', to: 'X1' },
      { field: 'email', from: 'ann@EXAMPLE.com', to: 'ANN@example.com' },
    ]);
  });

  it('a second newer record with the key of one already matched is added, not compared again', async () => {
    const result = await run([c('A'), c('A', { note: 'twin' })], [c('A')], { key: 'key' });
    expect(result.summary).toEqual({ added: 1, removed: 0, changed: 0, unchanged: 1 });
  });

  it('several removed come out in the order of the older side', async () => {
    const result = await run([], [c('Z'), c('M'), c('A')], { key: 'key' });
    expect(result.removed).toEqual(['Z', 'M', 'A']);
  });

  it('ignore and absentIsNoChange reach the comparison', async () => {
    const newer = [c('A', { note: 'n2' }), c('B')];
    const older = [c('A', { note: 'n1' }), c('B', { company: 'Old Co' })];
    expect((await run(newer, older, { key: 'key', ignore: ['note'] })).summary).toMatchObject({ changed: 1, unchanged: 1 });
    expect((await run(newer, older, { key: 'key', ignore: ['note'], absentIsNoChange: true })).summary).toMatchObject({ changed: 0, unchanged: 2 });
  });
});

describe('compareRecords', () => {
  it('from is the older value, to the newer; an absent value is null', () => {
    expect(compareRecords(c('A', { note: 'new' }), c('A'), new Set())).toEqual([{ field: 'note', from: null, to: 'new' }]);
    expect(compareRecords(c('A'), c('A', { note: 'old' }), new Set())).toEqual([{ field: 'note', from: 'old', to: null }]);
  });

  it('absentIsNoChange: a value the newer side lacks is no change; one it has still is', () => {
    expect(compareRecords(c('A'), c('A', { note: 'old' }), new Set(), true)).toEqual([]);
    expect(compareRecords(c('A', { note: 'new' }), c('A'), new Set(), true)).toEqual([{ field: 'note', from: null, to: 'new' }]);
  });

  it('a password hash change is reported without either value', () => {
    expect(compareRecords(c('A', { passwordHash: 'h2' }), c('A', { passwordHash: 'h1' }), new Set())).toEqual([{ field: 'passwordHash', from: '***', to: '***' }]);
    expect(compareRecords(c('A', { passwordHash: 'h2' }), c('A'), new Set())).toEqual([{ field: 'passwordHash', from: null, to: '***' }]);
    expect(compareRecords(c('A'), c('A', { passwordHash: 'h1' }), new Set())).toEqual([{ field: 'passwordHash', from: '***', to: null }]);
  });

  it('groups compare as a set', () => {
    expect(compareRecords(c('A', { groups: ['b', 'a'] }), c('A', { groups: ['a', 'b'] }), new Set())).toEqual([]);
    expect(compareRecords(c('A', { groups: ['a', 'c'] }), c('A', { groups: ['a', 'b'] }), new Set())).toEqual([{ field: 'groups', from: 'a;b', to: 'a;c' }]);
  });
});

describe('flatten', () => {
  it('paths the SPEC names: default addresses by kind, others numbered from 2, custom by name, lines joined; empty values left out', () => {
    const record = c('A', {
      note: '',
      marketingOptIn: false,
      discountPercent: 0,
      custom: { tier: 'gold' },
      addresses: [
        { kind: 'billing', isDefault: true, lines: ['1 Main St', 'Unit 2'], city: 'Town' },
        { kind: 'billing', isDefault: false, lines: [], city: 'Other' },
        { kind: 'shipping', isDefault: true, lines: ['9 Dock'], postcode: '1010' },
      ],
    });
    const flat = Object.fromEntries(flatten(record));
    expect(flat).toEqual({
      key: 'A',
      email: 'a@example.com',
      marketingOptIn: 'false',
      discountPercent: '0',
      'custom.tier': 'gold',
      'addresses[billing].lines': '1 Main St | Unit 2',
      'addresses[billing].city': 'Town',
      'addresses[billing#2].city': 'Other',
      'addresses[shipping].lines': '9 Dock',
      'addresses[shipping].postcode': '1010',
    });
  });

  it('matchKey: the email in its matching form, or the key', () => {
    expect(matchKey(c('K', { email: ' Ann@Example.COM ' }), 'email')).toBe(matchKey(c('L', { email: 'ann@example.com' }), 'email'));
    expect(matchKey(c('K', { email: undefined }), 'email')).toBeUndefined();
    expect(matchKey(c('K'), 'key')).toBe('K');
  });
});
