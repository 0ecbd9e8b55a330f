import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateCustomers } from '../../src/emulator/generator.js';
import { runCli, tempDir } from '../helpers/cli.js';

/** `custsync migrate` end to end with the file dialects (remote pairs: migrate-dialects.test.ts). */
let dir: string;
let input: string;
const summary = /read (\d+) · created (\d+) · updated (\d+) · unchanged (\d+) · rejected (\d+) · failed (\d+)/;

beforeAll(() => {
  dir = tempDir();
  input = join(dir, 'in.jsonl');
  const records = [...generateCustomers(40, 5)].map((c, i) => (i === 3 ? { ...c, passwordHash: '$2y$10$secrethash' } : c));
  writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
});

const cli = (args: string[]) => runCli([...args, '--state', join(dir, 'state')], { cwd: dir });

describe('custsync migrate (files)', () => {
  it('moves every record, prints the summary and keeps state', async () => {
    const out = join(dir, 'out.csv');
    const result = await cli(['migrate', '--from', `jsonl:${input}`, '--to', `csv:${out}`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch('read 40 · created 40 · updated 0 · unchanged 0 · rejected 0 · failed 0');
    expect(result.stderr).toMatch(/need to set a password/);
    expect(readFileSync(out, 'utf8').trim().split('\n')[0]).toMatch(/^key,email,/);
    expect(existsSync(join(dir, 'state', 'state.db'))).toBe(true);
    // A file target is written whole every run: replacing the one there needs --force.
    const refused = await cli(['migrate', '--from', `jsonl:${input}`, '--to', `csv:${out}`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`target file ${out} exists`);
    const again = await cli(['migrate', '--from', `jsonl:${input}`, '--to', `csv:${out}`, '--force']);
    expect(again.stderr).toMatch('read 40 · created 40');
  });

  it('applies a --mapping file between source and target', async () => {
    const mapping = join(dir, 'mapping.json');
    writeFileSync(mapping, JSON.stringify({
      rules: [
        { op: 'template', field: 'note', template: 'was {firstName} {lastName}' },
        { op: 'drop', field: 'mobile' },
        { op: 'set', field: 'custom.migrated', value: 'yes' },
        { op: 'addresses', billing: 'shipping', shipping: 'billing' },
      ],
    }));
    const out = join(dir, 'mapped.jsonl');
    const result = await cli(['migrate', '--from', `jsonl:${input}`, '--to', `jsonl:${out}`, '--mapping', mapping]);
    expect(result.code).toBe(0);
    const records = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const sourceRecords = readFileSync(input, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records).toHaveLength(40);
    expect(records[0].note).toBe(`was ${sourceRecords[0].firstName} ${sourceRecords[0].lastName}`);
    expect(records.every((r: { mobile?: string; custom: Record<string, string> }) => r.mobile === undefined && r.custom.migrated === 'yes')).toBe(true);
    const billing = sourceRecords[0].addresses.find((a: { kind: string }) => a.kind === 'billing');
    expect(records[0].addresses.find((a: { kind: string }) => a.kind === 'shipping').city).toBe(billing.city);
  });

  it('a bad mapping file is exit 2 naming the JSON path, and nothing is written', async () => {
    const mapping = join(dir, 'bad.json');
    writeFileSync(mapping, JSON.stringify({ rules: [{ op: 'drop', field: 'note' }, { op: 'drop', field: 'note' }, { op: 'table', field: 'groups', table: 'x' }] }));
    const out = join(dir, 'never.csv');
    const result = await cli(['migrate', '--from', `jsonl:${input}`, '--to', `csv:${out}`, '--mapping', mapping]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch('bad.json: rules[2].table: expected object');
    expect(existsSync(out)).toBe(false);
  });

  it('a malformed input line is exit 2 with nothing written', async () => {
    const broken = join(dir, 'broken.jsonl');
    writeFileSync(broken, `${readFileSync(input, 'utf8')}{"key": }\n`);
    const out = join(dir, 'never2.csv');
    const result = await cli(['migrate', '--from', `jsonl:${broken}`, '--to', `csv:${out}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/line 41/);
    expect(existsSync(out)).toBe(false);
  });

  it('writes rejects with a reason column and a JSON report; exit 1', async () => {
    const mapping = join(dir, 'reject-de.json');
    // A language code is no gender: each record with a language cannot be mapped, and is rejected.
    writeFileSync(mapping, JSON.stringify({ rules: [{ op: 'rename', from: 'language', to: 'gender' }] }));
    const rejects = join(dir, 'rejects.csv');
    const report = join(dir, 'report.json');
    const result = await cli(['migrate', '--from', `jsonl:${input}`, '--to', `csv:${join(dir, 'r.csv')}`, '--mapping', mapping, '--rejects', rejects, '--report', report]);
    expect(result.code).toBe(1);
    const [, read, created, , , rejected] = summary.exec(result.stderr)!.map(Number);
    expect(read).toBe(40);
    expect(rejected).toBeGreaterThan(0);
    expect(created + rejected).toBe(40);
    const lines = readFileSync(rejects, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^reason,key,email,/);
    expect(lines[1]).toMatch(/is not one of m, f, u/);
    // The rejects file reads back as records (its reason column is ignored): one per rejected record.
    const back = await cli(['pull', '--from', `csv:${rejects}`, '--format', 'jsonl']);
    expect(back.stdout.trim().split('\n')).toHaveLength(rejected);

    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json.counts).toEqual({ read: 40, created, updated: 0, unchanged: 0, rejected, failed: 0 });
    expect(json.run).toMatchObject({ status: 'finished', source: `jsonl:${input}` });
    expect(json.records).toHaveLength(40);
    expect(json.records.filter((r: { status: string }) => r.status === 'rejected')).toHaveLength(rejected);
    expect(typeof json.durations.totalMs).toBe('number');
    expect(json.passwordResets.map((r: { key: string }) => r.key)).toEqual(json.records.filter((r: { needsPassword?: boolean; status: string }) => r.needsPassword && r.status !== 'rejected').map((r: { key: string }) => r.key));
    expect(readFileSync(report, 'utf8')).not.toMatch('secrethash');
  });

  it('--dry-run prints masked payloads and counts and writes nothing', async () => {
    const out = join(dir, 'dry.csv');
    const result = await cli(['migrate', '--from', `jsonl:${input}`, '--to', `csv:${out}`, '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stderr.match(/^would send /gm)).toHaveLength(3);
    expect(result.stderr).toMatch('dry run: read 40 · created 40');
    expect(existsSync(out)).toBe(false);

    const hashFirst = join(dir, 'hash-first.jsonl');
    writeFileSync(hashFirst, readFileSync(input, 'utf8').split('\n').slice(3).join('\n'));
    const masked = await cli(['migrate', '--from', `jsonl:${hashFirst}`, '--to', `csv:${out}`, '--dry-run']);
    expect(masked.stderr).toMatch(/"passwordHash":"\*\*\*"/);
    expect(masked.stderr).not.toMatch('secrethash');
  });

  it('--help shows the flags', async () => {
    const result = await runCli(['migrate', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--resume/);
    expect(result.stdout).toMatch(/--mapping <file>/);
  });
});
