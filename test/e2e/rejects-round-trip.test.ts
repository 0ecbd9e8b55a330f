import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterEach, describe, expect, it } from 'vitest';
import type { Customer } from '../../src/core/customer.js';
import { generateCustomers } from '../../src/emulator/generator.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';

/**
 * The rejects round trip the README promises ("fix them and push the file
 * again"): a push rejects a record for a bad cell, one the target would
 * refuse (Cabinetry: no phone) and one that repeats an earlier email; the
 * rejects file, fixed by hand, is pushed as it is (its `reason` column or
 * key ignored on input) and every record lands, for CSV and JSONL alike.
 */
const running: EmulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.close()));
});

function records(): Customer[] {
  return [...generateCustomers(5, 31)].map((c, i) => ({
    ...c,
    key: `R${i + 1}`,
    email: i === 3 ? 'R1@EXAMPLE.COM' : `r${i + 1}@example.com`,
    phone: i === 2 ? undefined : `555 01${i}${i}`,
    dateOfBirth: i === 1 ? '1990-02-01' : c.dateOfBirth,
    source: undefined,
  }));
}

async function setup() {
  const handle = await startEmulator('cabinetry', { customers: 0, seed: 5 });
  running.push(handle);
  const dir = tempDir();
  const profiles = writeProfiles(dir, { cab: handle.profile });
  const cli = (...args: string[]) => runCli(['--profiles', profiles, ...args], { cwd: dir });
  return { handle, dir, cli };
}

/** What the target holds, read back through the CLI: the customers' emails. */
async function landed(cli: (...args: string[]) => Promise<{ stdout: string }>): Promise<{ emails: string[]; text: string }> {
  const text = (await cli('pull', '--from', 'cab', '--format', 'jsonl')).stdout;
  const emails = text.split('\n').filter(Boolean).map((l) => String((JSON.parse(l) as Customer).email).toLowerCase());
  return { emails: emails.sort(), text };
}

describe.each(['csv', 'jsonl'] as const)('the rejects round trip (%s)', (format) => {
  it('push with rejects, fix the rejects file, push it again: all land', async () => {
    const { dir, cli } = await setup();
    writeFileSync(join(dir, 'good.jsonl'), records().map((r) => JSON.stringify(r)).join('\n') + '\n');
    // The input in the format under test, with one bad cell (a day that does not exist).
    const converted = await cli('pull', '--from', 'jsonl:good.jsonl', '--format', format, '-o', `plain.${format}`);
    expect(converted.code, converted.stderr).toBe(0);
    const input = readFileSync(join(dir, `plain.${format}`), 'utf8');
    expect(input.split('1990-02-01')).toHaveLength(2);
    writeFileSync(join(dir, `in.${format}`), input.replace('1990-02-01', '1990-02-30'));

    const first = await cli('push', '--to', 'cab', '--input', `in.${format}`, '--rejects', `rejects.${format}`, '--concurrency', '1');
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toContain('read 5 · created 2 · updated 0 · unchanged 0 · rejected 3 · failed 0');
    expect((await landed(cli)).emails).toEqual(['r1@example.com', 'r5@example.com']);

    const rejects = readFileSync(join(dir, `rejects.${format}`), 'utf8');
    expect(rejects).toContain('1990-02-30');
    expect(rejects).toContain('phone is mandatory');
    // Fixed by hand: the day, a phone, another email; the reasons stay in the file.
    const fixes: Array<[string, string, string]> =
      format === 'csv'
        ? [['R2', 'date_of_birth', '1990-02-28'], ['R3', 'phone', '555 0300'], ['R4', 'email', 'r4@example.com']]
        : [['R2', 'dateOfBirth', '1990-02-28'], ['R3', 'phone', '555 0300'], ['R4', 'email', 'r4@example.com']];
    const fixed = fixes.reduce((text, [key, field, value]) => (format === 'csv' ? setCsvCell : setJsonlField)(text, key, field, value), rejects);
    expect(fixed).toContain('reason');
    writeFileSync(join(dir, `fixed.${format}`), fixed);

    const again = await cli('push', '--to', 'cab', '--input', `fixed.${format}`, '--rejects', `rejects2.${format}`);
    expect(again.stderr).toContain('read 3 · created 3 · updated 0 · unchanged 0 · rejected 0 · failed 0');
    expect(again.code, again.stderr).toBe(0);
    const after = await landed(cli);
    expect(after.emails).toEqual(['r1@example.com', 'r2@example.com', 'r3@example.com', 'r4@example.com', 'r5@example.com']);
    // The reason was read as nothing: not stored as a field of the customer.
    expect(after.text).not.toContain('calendar');
  });
});

/** Sets one cell of the CSV row whose key is `key` (the reason cells are quoted and hold commas: parsed, not split). */
function setCsvCell(csv: string, key: string, column: string, value: string): string {
  const rows = parse(csv, { columns: true }) as Array<Record<string, string>>;
  expect(Object.keys(rows[0])[0]).toBe('reason');
  expect(rows.some((r) => r.key === key)).toBe(true);
  return stringify(rows.map((r) => (r.key === key ? { ...r, [column]: value } : r)), { header: true });
}

function setJsonlField(text: string, key: string, field: string, value: string): string {
  const rows = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(Object.keys(rows[0])[0]).toBe('reason');
  expect(rows.some((r) => r.key === key)).toBe(true);
  return rows.map((r) => JSON.stringify(r.key === key ? { ...r, [field]: value } : r)).join('\n') + '\n';
}
