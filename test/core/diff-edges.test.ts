import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCustomer, type Customer } from '../../src/core/customer.js';
import { compareRecords, diffStreams, flatten, parseIgnored, type DiffOptions } from '../../src/core/diff.js';
import { UserError } from '../../src/core/errors.js';

/** Edges of diff that the main tests did not reach: what is compared, what is matched, what `--ignore` accepts. */
const c = (key: string, extra: Record<string, unknown> = {}): Customer => parseCustomer({ key, email: `${key.toLowerCase()}@example.com`, ...extra });

async function* from(records: Customer[]): AsyncGenerator<Customer> {
  yield* records;
}

async function run(newer: Customer[], older: Customer[], options: DiffOptions) {
  const seen = { added: [] as string[], removed: [] as string[], changed: [] as string[] };
  const summary = await diffStreams(from(newer), from(older), options, {
    added: (r) => void seen.added.push(r.key),
    removed: (r) => void seen.removed.push(r.key),
    changed: (ch) => void seen.changed.push(ch.key),
    end: () => undefined,
  });
  return { summary, ...seen };
}

describe('diff edges', () => {
  it('where a record was read from is not a change', () => {
    const here = c('A', { source: { system: 'spiffy', profile: 'shop', id: '1' } });
    const there = c('A', { source: { system: 'cabinetry', profile: 'erp', id: '9' } });
    expect(compareRecords(here, there, new Set())).toEqual([]);
    expect(flatten(here).has('source')).toBe(false);
  });

  it('other addresses of either kind are numbered from 2, in their order', () => {
    const record = c('A', {
      addresses: [
        { kind: 'shipping', isDefault: true, lines: ['1 Dock'] },
        { kind: 'shipping', lines: ['2 Dock'] },
        { kind: 'shipping', lines: ['3 Dock'] },
      ],
    });
    const flat = Object.fromEntries(flatten(record));
    expect(flat).toMatchObject({ 'addresses[shipping].lines': '1 Dock', 'addresses[shipping#2].lines': '2 Dock', 'addresses[shipping#3].lines': '3 Dock' });
    expect(Object.keys(flat).filter((k) => k.startsWith('addresses'))).toHaveLength(3);
  });

  it('--ignore custom leaves out every custom field; custom.NAME only that one', () => {
    const newer = c('A', { custom: { tier: 'gold', region: 'north' } });
    const older = c('A', { custom: { tier: 'silver', region: 'south' } });
    expect(compareRecords(newer, older, new Set(['custom']))).toEqual([]);
    expect(compareRecords(newer, older, new Set(['custom.tier']))).toEqual([{ field: 'custom.region', from: 'south', to: 'north' }]);
    expect(compareRecords(newer, older, new Set(['addresses']))).toHaveLength(2);
  });

  it('--ignore trims the field, takes snake_case of any field, and the error lists the fields', () => {
    expect(parseIgnored([' note ', 'password_hash', 'date_of_birth', 'custom.a_b'])).toEqual(['note', 'passwordHash', 'dateOfBirth', 'custom.a_b']);
    let error: unknown;
    try {
      parseIgnored(['9lives']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe('--ignore names an unknown field "9lives"');
    const hint = (error as UserError).hint!;
    expect(hint).toMatch(/^fields: key, email, title, firstName, .*, updatedAt; paths like addresses\[billing\]\.city or custom\.NAME$/);
    expect(hint).not.toMatch(/\bsource\b/);
    expect(() => parseIgnored(['_'])).toThrow(UserError);
    // A known field later in the text is not the field named.
    expect(() => parseIgnored(['1note'])).toThrow('--ignore names an unknown field "1note"');
  });

  it('by email, a record of the older side without an email cannot be matched and is not reported as removed', async () => {
    const result = await run([c('A')], [c('A'), c('B', { email: undefined })], { key: 'email' });
    expect(result.summary).toEqual({ added: 0, removed: 0, changed: 0, unchanged: 1 });
  });

  it('several added and changed come out in the order of the newer side', async () => {
    const result = await run([c('Z'), c('M', { note: 'x' }), c('Y'), c('A', { note: 'y' })], [c('M'), c('A')], { key: 'key' });
    expect(result.added).toEqual(['Z', 'Y']);
    expect(result.changed).toEqual(['M', 'A']);
  });

  it('a later record of the older side with the same key replaces the earlier one', async () => {
    const result = await run([c('A', { note: 'second' })], [c('A', { note: 'first' }), c('A', { note: 'second' })], { key: 'key' });
    expect(result.summary).toEqual({ added: 0, removed: 0, changed: 0, unchanged: 1 });
  });

  it('a field the record does not have, or an address it does not have, is no path at all', () => {
    const flat = flatten(c('A', { note: 'n' }));
    expect([...flat.keys()]).toEqual(['key', 'email', 'note']);
    expect([...flat.values()]).toEqual(['A', 'a@example.com', 'n']);
  });

  it('leaves no temporary file behind', async () => {
    // The older side is indexed in a SQLite file under the temporary directory; TMPDIR points at a
    // directory of the test's own, so that other runs on the machine do not count.
    const own = mkdtempSync(join(tmpdir(), 'diff-test-'));
    const before = process.env.TMPDIR;
    process.env.TMPDIR = own;
    try {
      await run([c('A', { note: 'x' }), c('B')], [c('A'), c('C')], { key: 'key' });
      expect(readdirSync(own)).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
      rmSync(own, { recursive: true, force: true });
    }
  });
});
