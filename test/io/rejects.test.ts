import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { parseCustomer, type Customer } from '../../src/core/customer.js';
import { markInvalid } from '../../src/core/invalid-input.js';
import { registerSecret } from '../../src/core/secrets.js';
import { openRejects } from '../../src/io/rejects.js';
import { tempDir } from '../helpers/cli.js';

/**
 * The rejects file (SPEC section 1): reason first, then the record; a line
 * rejected for its cells is written as it was read; reasons are redacted; the
 * file has its name only once it is complete. The round trip through the CLI
 * is in test/e2e/rejects-round-trip.test.ts.
 */
const record = (key: string, extra: Partial<Customer> = {}): Customer => parseCustomer({ key, email: `${key.toLowerCase()}@example.com`, firstName: 'Ann', ...extra });

describe('rejects file, JSONL', () => {
  it('reason first, then the canonical record; the status when there is no reason; a count', async () => {
    const path = join(tempDir(), 'rejects.jsonl');
    const sink = await openRejects(path, 'jsonl');
    await sink.add({ status: 'rejected', key: 'A1', reason: 'phone is mandatory', record: record('A1') });
    await sink.add({ status: 'failed', key: 'B2', record: record('B2') });
    expect(sink.count).toBe(2);
    expect(existsSync(path)).toBe(false);
    await sink.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { reason: 'phone is mandatory', ...record('A1') },
      { reason: 'failed', ...record('B2') },
    ]);
    expect(Object.keys(lines[0])[0]).toBe('reason');
  });

  it('a JSONL line rejected for its fields is written as it was read, an old reason replaced', async () => {
    const path = join(tempDir(), 'rejects.jsonl');
    const sink = await openRejects(path, 'jsonl');
    const raw = { reason: 'an old reason', key: 'J2', email: 'jay@example.com', gender: 'male' };
    const standIn = markInvalid(record('J2'), { reason: 'in.jsonl: line 2: field gender: "male" is not one of m, f, u', raw: { form: 'jsonl', value: raw } });
    await sink.add({ status: 'rejected', key: 'J2', reason: 'in.jsonl: line 2: field gender: "male" is not one of m, f, u', record: standIn });
    await sink.close();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ reason: 'in.jsonl: line 2: field gender: "male" is not one of m, f, u', key: 'J2', email: 'jay@example.com', gender: 'male' });
  });

  it('a registered secret in a reason is redacted', async () => {
    registerSecret('rejects-unit-secret');
    const path = join(tempDir(), 'rejects.jsonl');
    const sink = await openRejects(path, 'jsonl');
    await sink.add({ status: 'rejected', key: 'S1', reason: 'key rejects-unit-secret may not write', record: record('S1') });
    await sink.close();
    expect(readFileSync(path, 'utf8')).toContain('"reason":"key *** may not write"');
  });
});

describe('rejects file, CSV', () => {
  const rows = (path: string) => parse(readFileSync(path, 'utf8'), { columns: true }) as Array<Record<string, string>>;

  it('a leading reason column, then the canonical columns; formula cells guarded unless raw', async () => {
    const dir = tempDir();
    for (const raw of [false, true]) {
      const path = join(dir, `rejects-${raw}.csv`);
      const sink = await openRejects(path, 'csv', raw);
      await sink.add({ status: 'rejected', key: 'A1', reason: 'email in use', record: record('A1', { company: '=cmd()' }) });
      expect(sink.count).toBe(1);
      await sink.close();
      const [row] = rows(path);
      expect(Object.keys(row).slice(0, 3)).toEqual(['reason', 'key', 'email']);
      expect(row).toMatchObject({ reason: 'email in use', key: 'A1', email: 'a1@example.com', first_name: 'Ann', company: raw ? '=cmd()' : "'=cmd()" });
    }
  });

  it('a CSV line rejected for its cells is written as it was read, with the new reason', async () => {
    const path = join(tempDir(), 'rejects.csv');
    const sink = await openRejects(path, 'csv');
    const standIn = markInvalid(record('B2'), { reason: 'in.csv: line 3, column date_of_birth: "1990-02-30" is not a day of the calendar', raw: { form: 'csv', row: { reason: 'old', key: 'B2', email: 'bob@example.com', date_of_birth: '1990-02-30' } } });
    await sink.add({ status: 'rejected', key: 'B2', reason: 'in.csv: line 3, column date_of_birth: "1990-02-30" is not a day of the calendar', record: standIn });
    await sink.close();
    const [row] = rows(path);
    expect(row).toMatchObject({ reason: 'in.csv: line 3, column date_of_birth: "1990-02-30" is not a day of the calendar', key: 'B2', email: 'bob@example.com', date_of_birth: '1990-02-30', first_name: '' });
  });

  it('a file with no rejects still gets its header once closed', async () => {
    const path = join(tempDir(), 'rejects.csv');
    const sink = await openRejects(path, 'csv');
    await sink.close();
    expect(readFileSync(path, 'utf8')).toMatch(/^reason,key,email,/);
    expect(sink.count).toBe(0);
  });
});

describe('rejects file, defaults', () => {
  it('an existing file is refused unless forced, naming it as the rejects file', async () => {
    const path = join(tempDir(), 'rejects.csv');
    writeFileSync(path, 'old');
    await expect(openRejects(path, 'csv')).rejects.toThrow(`rejects file ${path}`);
    const sink = await openRejects(path, 'csv', false, true);
    await sink.close();
    expect(readFileSync(path, 'utf8')).not.toBe('old');
  });

  it('CSV cells are formula-guarded unless raw is asked for', async () => {
    const path = join(tempDir(), 'rejects.csv');
    const sink = await openRejects(path, 'csv');
    await sink.add({ status: 'rejected', key: 'F1', reason: 'r', record: record('F1', { note: '=1+1' }) });
    await sink.close();
    expect(readFileSync(path, 'utf8')).toContain("'=1+1");
  });
});
