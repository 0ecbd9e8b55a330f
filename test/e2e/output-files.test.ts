import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Customer } from '../../src/core/customer.js';
import { startSpiffyEmulator, type SpiffyEmulatorHandle } from '../../src/dialects/spiffy/emulator.js';
import { generateCustomers } from '../../src/emulator/generator.js';
import { runCli, spawnCli, tempDir, waitFor, writeProfiles } from '../helpers/cli.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';

/**
 * Nothing overwritten without asking, and nothing that looks finished before
 * it is: output files are written under a temporary name beside the target
 * and renamed when complete; an existing file is replaced only with --force,
 * or, for a file target given --mode, updated by key.
 */
const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function spiffy(customers: number, latencyMs = 0): Promise<SpiffyEmulatorHandle> {
  const handle = await startSpiffyEmulator({ customers, seed: 5, latencyMs, rateLimit: { limit: 1_000_000 } });
  running.push(handle);
  return handle;
}

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n');
const jsonlRecords = (path: string) => lines(path).map((l) => JSON.parse(l) as Customer);
/** Files in a folder, hidden partial files included. */
const files = (dir: string) => readdirSync(dir).sort();

describe('pull -o', () => {
  it('a pull that fails half-way leaves no file, not even a partial one', async () => {
    const handle = await spiffy(30);
    // The first page passes, the next (since_id past it) fails: the run stops with exit 3 after writing 10 records somewhere.
    const later = /customers\.json\?.*since_id=[1-9]/;
    const proxy: FaultProxy = await startFaultProxy(handle.url, (req) => (later.test(req.url) ? { kind: 'answer', status: 500, body: '{"errors":"boom"}' } : { kind: 'pass' }));
    running.push(proxy);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { shop: { ...handle.profile, baseUrl: proxy.url, pageSize: 10, retries: 0 } });
    const result = await runCli(['pull', '--from', 'shop', '--profiles', profiles, '-o', 'out.csv'], { cwd: dir });
    expect(result.code, result.stderr).toBe(3);
    expect(proxy.seen.some((r) => later.test(r.url))).toBe(true);
    expect(files(dir)).toEqual(['profiles.json']);
  });

  it('a pull killed mid-way leaves only a .partial file, never out.csv', async () => {
    const handle = await spiffy(60, 150);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { shop: { ...handle.profile, pageSize: 5 } });
    const pull = spawnCli(['pull', '--from', 'shop', '--profiles', profiles, '-o', 'out.csv'], { cwd: dir });
    const partial = () => files(dir).find((name) => /^\.out\.csv\.\d+\.[0-9a-f]+\.partial$/.test(name));
    // Wait until records are being written to the temporary file, then kill.
    // (The file must have content too: on a loaded machine it can exist a while before its first write lands.)
    expect(await waitFor(() => (handle.stats().byMethod.GET ?? 0) >= 3 && partial() !== undefined && readFileSync(join(dir, partial()!), 'utf8').length > 0)).toBe(true);
    pull.kill('SIGKILL');
    await pull.result;
    expect(existsSync(join(dir, 'out.csv'))).toBe(false);
    expect(readFileSync(join(dir, partial()!), 'utf8')).toMatch(/^key,email,/);
  });

  it('an existing file is replaced only with --force', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.jsonl'), [...generateCustomers(5, 2)].map((c) => JSON.stringify(c)).join('\n'));
    writeFileSync(join(dir, 'out.csv'), 'precious\n');
    const refused = await runCli(['pull', '--from', 'jsonl:in.jsonl', '-o', 'out.csv'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('output file out.csv exists');
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(join(dir, 'out.csv'), 'utf8')).toBe('precious\n');
    const forced = await runCli(['pull', '--from', 'jsonl:in.jsonl', '-o', 'out.csv', '--force'], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain('read 5');
    expect(readFileSync(join(dir, 'out.csv'), 'utf8')).toMatch(/^key,email,/);
    expect(files(dir)).toEqual(['in.jsonl', 'out.csv']);
  });
});

describe('push into a file that exists', () => {
  function setup() {
    const dir = tempDir();
    const base = [...generateCustomers(50, 8)];
    writeFileSync(join(dir, 'all.jsonl'), `${base.map((c) => JSON.stringify(c)).join('\n')}\n`);
    const changed = { ...base[10], note: 'changed by the second push' };
    const added = { ...[...generateCustomers(1, 99)][0], key: 'NEW-1', email: 'new-1@example.com' };
    writeFileSync(join(dir, 'two.jsonl'), `${JSON.stringify(changed)}\n${JSON.stringify(added)}\n`);
    return { dir, base, changed, added };
  }

  it('is refused without --force or --mode: exit 2, the file as it was', async () => {
    const { dir } = setup();
    const before = readFileSync(join(dir, 'all.jsonl'), 'utf8');
    const result = await runCli(['push', '--to', 'jsonl:all.jsonl', '--input', 'two.jsonl'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('target file all.jsonl exists');
    expect(result.stderr).toContain('pass --force to replace it, or --mode upsert|create|update to update it by key');
    expect(readFileSync(join(dir, 'all.jsonl'), 'utf8')).toBe(before);
  });

  it('--mode upsert updates it by key: one record replaced, one added, the other 49 kept in order', async () => {
    const { dir, base, changed, added } = setup();
    const result = await runCli(['push', '--to', 'jsonl:all.jsonl', '--input', 'two.jsonl', '--mode', 'upsert'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('read 2 · created 1 · updated 1 · unchanged 0 · rejected 0 · failed 0');
    const after = jsonlRecords(join(dir, 'all.jsonl'));
    expect(after.map((r) => r.key)).toEqual([...base.map((r) => r.key), 'NEW-1']);
    expect(after[10]).toEqual(changed);
    expect(after[50]).toEqual(added);
    expect(after.filter((_, i) => i !== 10 && i < 50)).toEqual(base.filter((_, i) => i !== 10));
    const again = await runCli(['push', '--to', 'jsonl:all.jsonl', '--input', 'two.jsonl', '--mode', 'upsert'], { cwd: dir });
    expect(again.stderr).toContain('read 2 · created 0 · updated 0 · unchanged 2');
  });

  it('--mode create and --mode update refuse what exists and what does not, in a CSV file too', async () => {
    const { dir, changed, added } = setup();
    expect((await runCli(['push', '--to', 'csv:all.csv', '--input', 'all.jsonl'], { cwd: dir })).code).toBe(0);
    const create = await runCli(['push', '--to', 'csv:all.csv', '--input', 'two.jsonl', '--mode', 'create'], { cwd: dir });
    expect(create.code).toBe(1);
    expect(create.stderr).toContain('read 2 · created 1 · updated 0 · unchanged 0 · rejected 1 · failed 0');
    expect(create.stderr).toContain(`key ${changed.key} exists in all.csv (--mode create)`);
    const fresh = { ...added, key: 'NEW-2', email: 'new-2@example.com' };
    writeFileSync(join(dir, 'three.jsonl'), [changed, added, fresh].map((r) => JSON.stringify(r)).join('\n'));
    const update = await runCli(['push', '--to', 'csv:all.csv', '--input', 'three.jsonl', '--mode', 'update'], { cwd: dir });
    expect(update.code).toBe(1);
    expect(update.stderr).toContain('read 3 · created 0 · updated 1 · unchanged 1 · rejected 1 · failed 0');
    expect(update.stderr).toContain('key NEW-2 not found in all.csv (--mode update)');
    const stored = await runCli(['pull', '--from', 'csv:all.csv', '--format', 'jsonl'], { cwd: dir });
    const keys = stored.stdout.trim().split('\n').map((l) => (JSON.parse(l) as Customer).key);
    expect(keys).toHaveLength(51);
    expect(keys.at(-1)).toBe('NEW-1');
    expect(stored.stdout).toContain('changed by the second push');
  });

  it('--force replaces it', async () => {
    const { dir } = setup();
    const result = await runCli(['push', '--to', 'jsonl:all.jsonl', '--input', 'two.jsonl', '--force'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(jsonlRecords(join(dir, 'all.jsonl')).map((r) => r.key)).toHaveLength(2);
  });
});

describe('rejects and report files', () => {
  it('an existing rejects or report file is exit 2 before anything is sent; --force replaces it', async () => {
    const handle = await spiffy(0);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { shop: handle.profile });
    writeFileSync(join(dir, 'in.jsonl'), [...generateCustomers(3, 1)].map((c) => JSON.stringify(c)).join('\n'));
    writeFileSync(join(dir, 'rejects.csv'), 'keep me\n');
    writeFileSync(join(dir, 'report.json'), '{"keep":"me"}\n');
    const push = await runCli(['push', '--to', 'shop', '--profiles', profiles, '--input', 'in.jsonl', '--rejects', 'rejects.csv'], { cwd: dir });
    expect(push.code).toBe(2);
    expect(push.stderr).toContain('rejects file rejects.csv exists');
    const migrate = await runCli(['migrate', '--from', 'jsonl:in.jsonl', '--to', 'shop', '--profiles', profiles, '--report', 'report.json', '--state', 'state'], { cwd: dir });
    expect(migrate.code).toBe(2);
    expect(migrate.stderr).toContain('report file report.json exists');
    expect(handle.stats().writes).toBe(0);
    expect(readFileSync(join(dir, 'rejects.csv'), 'utf8')).toBe('keep me\n');
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toBe('{"keep":"me"}\n');

    const forced = await runCli(['migrate', '--from', 'jsonl:in.jsonl', '--to', 'shop', '--profiles', profiles, '--report', 'report.json', '--rejects', 'rejects.csv', '--state', 'state', '--force'], { cwd: dir });
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).counts.created).toBe(3);
    expect(lines(join(dir, 'rejects.csv'))).toHaveLength(1);
    expect(files(dir).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });
});
