import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Customer } from '../../src/core/customer.js';
import { startSpiffyEmulator, type SpiffyEmulatorHandle } from '../../src/dialects/spiffy/emulator.js';
import { generateCustomers } from '../../src/emulator/generator.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';

/**
 * Promises of the README that no other test held the CLI to: push stopping
 * with exit 3 when the target fails mid-run, exit 2 mistakes found before a
 * single request, --raw-csv, and diff --help.
 */
const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

const summary = /read (\d+) · created (\d+) · updated (\d+) · unchanged (\d+) · rejected (\d+) · failed (\d+)/;

function fresh(n: number): Customer[] {
  return [...generateCustomers(n, 41)].map((c, i) => ({ ...c, key: `G${i + 1}`, email: `g${i + 1}@example.com`, source: undefined }));
}

const writeJsonl = (path: string, records: Customer[]) => writeFileSync(path, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);

async function spiffy(): Promise<{ handle: SpiffyEmulatorHandle; dir: string; profiles: string }> {
  const handle = await startSpiffyEmulator({ customers: 0, seed: 6, rateLimit: { limit: 1_000_000 } });
  running.push(handle);
  const dir = tempDir();
  return { handle, dir, profiles: writeProfiles(dir, { shop: { ...handle.profile, retries: 0 } }) };
}

describe('push when the target fails mid-run', () => {
  it('exits 3 with the summary first, counts what landed, and read is the sum of the outcomes', async () => {
    const { handle, dir } = await spiffy();
    // The first five creates go through; from then on the target answers 503 to everything.
    let creates = 0;
    const proxy = await startFaultProxy(handle.url, (req) => {
      if (req.method === 'POST') creates += 1;
      return creates > 5 ? { kind: 'answer', status: 503, body: '{"errors":"down for maintenance"}' } : { kind: 'pass' };
    });
    running.push(proxy);
    const profiles = writeProfiles(dir, { shop: { ...handle.profile, baseUrl: proxy.url, retries: 0, concurrency: 1 } });
    writeJsonl(join(dir, 'in.jsonl'), fresh(20));
    const result = await runCli(['push', '--to', 'shop', '--profiles', profiles, '--input', 'in.jsonl', '--rejects', 'rejects.jsonl'], { cwd: dir });
    expect(result.code, result.stderr).toBe(3);
    const found = summary.exec(result.stderr);
    expect(found, result.stderr).not.toBeNull();
    const [read, created, updated, unchanged, rejected, failed] = found!.slice(1).map(Number);
    expect(read).toBe(created + updated + unchanged + rejected + failed);
    expect(created).toBe(5);
    expect(handle.customers()).toHaveLength(5);
    expect(result.stderr).toContain('error:');
    expect(result.stderr).toContain('503');
    expect(result.stderr.search(summary)).toBeLessThan(result.stderr.indexOf('error:'));
  });
});

describe('exit 2 mistakes are found before any request reaches the server', () => {
  // Each mistake sits at the end of 60 good records, so a tool that sent as it read would have written already.
  const good = () => fresh(60);
  const cases: Array<{ name: string; input: (dir: string) => string; args?: string[]; says: RegExp }> = [
    {
      name: 'a JSONL line that is not JSON, last in the file',
      input: (dir) => {
        writeFileSync(join(dir, 'in.jsonl'), `${good().map((r) => JSON.stringify(r)).join('\n')}\n{"key": "G61", "email":\n`);
        return 'in.jsonl';
      },
      says: /in\.jsonl: line 61/,
    },
    {
      name: 'a JSONL key custsync does not know, last in the file',
      input: (dir) => {
        writeJsonl(join(dir, 'in.jsonl'), [...good(), { ...fresh(61)[60], shoeSize: 42 } as Customer]);
        return 'in.jsonl';
      },
      says: /unknown key "shoeSize"/,
    },
    {
      name: 'an unknown --mode',
      input: (dir) => {
        writeJsonl(join(dir, 'in.jsonl'), good());
        return 'in.jsonl';
      },
      args: ['--mode', 'replace'],
      says: /--mode must be one of upsert, create, update/,
    },
    {
      name: 'a --format that does not fit the file',
      input: (dir) => {
        writeJsonl(join(dir, 'in.jsonl'), good());
        return 'in.jsonl';
      },
      args: ['--format', 'csv'],
      says: /in\.jsonl is not valid CSV at line 1/,
    },
  ];

  it.each(cases)('$name: exit 2, naming it, 0 requests', async ({ input, args, says }) => {
    const { handle, dir, profiles } = await spiffy();
    const file = input(dir);
    const result = await runCli(['push', '--to', 'shop', '--profiles', profiles, '--input', file, ...(args ?? [])], { cwd: dir });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(says);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(handle.stats().requests).toBe(0);
  });

  it('a CSV row with a cell too many, last in the file: exit 2, 0 requests', async () => {
    const { handle, dir, profiles } = await spiffy();
    writeJsonl(join(dir, 'good.jsonl'), fresh(60));
    const converted = await runCli(['pull', '--from', 'jsonl:good.jsonl', '-o', 'in.csv'], { cwd: dir });
    expect(converted.code, converted.stderr).toBe(0);
    const lines = readFileSync(join(dir, 'in.csv'), 'utf8').trimEnd().split('\n');
    writeFileSync(join(dir, 'in.csv'), `${[...lines, `${lines[lines.length - 1]},extra`].join('\n')}\n`);
    const result = await runCli(['push', '--to', 'shop', '--profiles', profiles, '--input', 'in.csv'], { cwd: dir });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/in\.csv/);
    expect(handle.stats().requests).toBe(0);
  });

  it('migrate with a --mapping file that names an unknown field: exit 2, 0 requests', async () => {
    const { handle, dir, profiles } = await spiffy();
    writeJsonl(join(dir, 'in.jsonl'), fresh(5));
    writeFileSync(join(dir, 'mapping.json'), JSON.stringify({ rename: { shoeSize: 'note' } }));
    const result = await runCli(['migrate', '--from', 'jsonl:in.jsonl', '--to', 'shop', '--profiles', profiles, '--state', 'state', '--mapping', 'mapping.json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/mapping\.json/);
    expect(handle.stats().requests).toBe(0);
  });
});

describe('--raw-csv', () => {
  const risky: Customer[] = fresh(2).map((c, i) => ({ ...c, company: i === 0 ? '=HYPERLINK("http://x","y")' : '@SUM(A1)', note: '+cmd|calc' }));

  it('pull writes formula cells guarded by default and as they are with --raw-csv; both read back to the same records', async () => {
    const dir = tempDir();
    writeJsonl(join(dir, 'in.jsonl'), risky);
    const guarded = await runCli(['pull', '--from', 'jsonl:in.jsonl'], { cwd: dir });
    const raw = await runCli(['pull', '--from', 'jsonl:in.jsonl', '--raw-csv'], { cwd: dir });
    expect([guarded.code, raw.code]).toEqual([0, 0]);
    expect(guarded.stdout).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(guarded.stdout).toContain("'@SUM(A1)");
    expect(guarded.stdout).toContain("'+cmd|calc");
    expect(raw.stdout).toContain('"=HYPERLINK(""http://x"",""y"")"');
    expect(raw.stdout).not.toContain("'=");
    expect(raw.stdout).not.toContain("'@");
    expect(raw.stdout).not.toContain("'+");
    for (const [name, text] of [['guarded.csv', guarded.stdout], ['raw.csv', raw.stdout]] as const) {
      writeFileSync(join(dir, name), text);
      const back = await runCli(['pull', '--from', `csv:${name}`, '--format', 'jsonl'], { cwd: dir });
      expect(back.code, back.stderr).toBe(0);
      const records = back.stdout.trim().split('\n').map((l) => JSON.parse(l) as Customer);
      expect(records.map((r) => [r.company, r.note])).toEqual(risky.map((r) => [r.company, r.note]));
    }
  });

  it('migrate and push write their CSV files (target, rejects) raw with --raw-csv', async () => {
    const dir = tempDir();
    writeJsonl(join(dir, 'in.jsonl'), risky);
    const migrated = await runCli(['migrate', '--from', 'jsonl:in.jsonl', '--to', 'csv:out.csv', '--state', 'state', '--raw-csv'], { cwd: dir });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out.csv'), 'utf8')).toContain(',@SUM(A1),');
    const guarded = await runCli(['migrate', '--from', 'jsonl:in.jsonl', '--to', 'csv:guarded.csv', '--state', 'state2'], { cwd: dir });
    expect(guarded.code, guarded.stderr).toBe(0);
    expect(readFileSync(join(dir, 'guarded.csv'), 'utf8')).toContain(",'@SUM(A1),");
    // A record repeated is rejected: the rejects file is a CSV written raw too.
    writeJsonl(join(dir, 'twice.jsonl'), [...risky, { ...risky[1], key: 'G9' }]);
    const pushed = await runCli(['push', '--to', 'csv:pushed.csv', '--input', 'twice.jsonl', '--rejects', 'rejects.csv', '--raw-csv'], { cwd: dir });
    expect(pushed.code, pushed.stderr).toBe(1);
    expect(readFileSync(join(dir, 'rejects.csv'), 'utf8')).toContain(',@SUM(A1),');
    expect(readFileSync(join(dir, 'pushed.csv'), 'utf8')).toContain(',@SUM(A1),');
  });
});

describe('diff --help', () => {
  it('names every flag of the README and ends with examples', async () => {
    const result = await runCli(['diff', '--help']);
    expect(result.code).toBe(0);
    for (const flag of ['--from', '--to', '--since-last', '--key', '--format', '--exit-code', '--ignore', '--include-timestamps']) expect(result.stdout).toMatch(new RegExp(`\\n {2}${flag}\\b`));
    expect(result.stdout).toMatch(/text .*json .*csv/);
    expect(result.stdout).toMatch(/Examples:\n( {2}custsync .*\n)+$/);
    expect(result.stdout).toMatch(/\n {2}custsync diff --from \S+ --to /);
    expect(result.stdout).toMatch(/\n {2}custsync diff --from \S+ --since-last/);
  });
});
