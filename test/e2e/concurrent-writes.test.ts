import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { emailKey, type Customer } from '../../src/core/customer.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';

/**
 * Issue 16: the source read overlapped with the writes, batches and records
 * written concurrently. Nothing may be lost, duplicated or reordered in what
 * the summary, the crosswalk and `runs show` say: every source key maps to
 * the target customer that holds its own email.
 */
const running: EmulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

const customers = 240;

async function pullAll(profiles: string, name: string, dir: string): Promise<Customer[]> {
  const pulled = await runCli(['pull', '--from', name, '--profiles', profiles, '--format', 'jsonl'], { cwd: dir });
  expect(pulled.code, pulled.stderr).toBe(0);
  return pulled.stdout
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Customer);
}

describe.each(['propeller', 'resultset', 'cabinetry', 'spiffy'])('concurrent writes into %s', (targetId) => {
  it('lose, duplicate and reorder nothing: summary, crosswalk and runs show agree with the target', async () => {
    const source = await startEmulator('resultset', { customers, seed: 41 });
    const target = await startEmulator(targetId, { customers: 0, seed: 42, latencyMs: 5, ...(targetId === 'spiffy' ? { rateLimit: { limit: 1_000_000 } } : {}) } as object);
    running.push(source, target);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { rs: { ...source.profile, pageSize: 30 }, dst: { ...target.profile, batchSize: 15 } });
    const state = join(dir, 'state');
    const args = ['migrate', '--from', 'rs', '--to', 'dst', '--profiles', profiles, '--state', state, '--concurrency', '8'];

    const run = await runCli(args, { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`read ${customers} · created ${customers} · updated 0 · unchanged 0 · rejected 0 · failed 0`);

    const emailOfKey = new Map((await pullAll(profiles, 'rs', dir)).map((c) => [c.key, emailKey(c.email)]));
    expect(emailOfKey.size).toBe(customers);
    const held = await pullAll(profiles, 'dst', dir);
    // Nothing lost, nothing twice.
    expect(held.map((c) => emailKey(c.email)).sort()).toEqual([...emailOfKey.values()].sort());
    const emailOfTargetId = new Map<string, string | undefined>();
    for (const c of held) emailOfTargetId.set(c.source?.id ?? c.key, emailKey(c.email));

    // Every crosswalk entry names the target customer that holds its source record's email.
    const db = new Database(join(state, 'state.db'), { readonly: true });
    const rows = db.prepare('SELECT source_key AS key, target_id AS id, status FROM crosswalk').all() as Array<{ key: string; id: string; status: string }>;
    db.close();
    expect(rows).toHaveLength(customers);
    for (const row of rows) {
      expect(row.status).toBe('created');
      expect(emailOfTargetId.get(row.id), `${row.key} → ${row.id}`).toBe(emailOfKey.get(row.key));
    }
    const crosswalk = new Map(rows.map((row) => [row.key, row.id]));

    // runs show: every record once, with the id the crosswalk has.
    const shown = await runCli(['runs', 'show', '1', '--state', state, '--format', 'json'], { cwd: dir });
    expect(shown.code, shown.stderr).toBe(0);
    const records = (JSON.parse(shown.stdout) as { records: Array<{ key: string; status: string; targetId?: string }> }).records;
    expect(records).toHaveLength(customers);
    expect(new Set(records.map((r) => r.key)).size).toBe(customers);
    for (const record of records) {
      expect(record.status).toBe('created');
      expect(record.targetId).toBe(crosswalk.get(record.key));
    }

    // A second run sends nothing.
    const writes = target.stats().writes;
    const again = await runCli(args, { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`read ${customers} · created 0 · updated 0 · unchanged ${customers}`);
    expect(target.stats().writes).toBe(writes);
  }, 120_000);
});
