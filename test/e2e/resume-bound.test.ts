import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { runCli, spawnCli, tempDir, waitFor, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';

/**
 * Issue 12, items 5 and 6: after a SIGKILL in the middle of a migration,
 * `--resume` sends again at most what was in flight (about concurrency ×
 * batch size), never what the target had confirmed; and the summary of the
 * resumed run covers the whole run, each record once, as what happened to it
 * first (`created`, not `updated` for what the killed part created).
 */
const running: EmulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

const customers = 800;
const concurrency = 4;
const batchSize = 25;

/** How many customers a profile's system holds now (a pull, counted). */
async function held(profiles: string, name: string, dir: string): Promise<number> {
  const pulled = await runCli(['pull', '--from', name, '--profiles', profiles, '--format', 'jsonl'], { cwd: dir });
  expect(pulled.code, pulled.stderr).toBe(0);
  return pulled.stdout.split('\n').filter((line) => line.trim()).length;
}

describe.each(['propeller', 'resultset'])('--resume after a kill, into %s', (targetId) => {
  it('sends again at most what was in flight, and counts every record once for the whole run', async () => {
    const source = await startEmulator('resultset', { customers, seed: 31 });
    // Latency on the target keeps batches in flight when the kill comes.
    const target = await startEmulator(targetId, { customers: 0, seed: 32, latencyMs: 30 });
    running.push(source, target);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { rs: source.profile, dst: { ...target.profile, batchSize } });
    const state = join(dir, 'state');
    const args = ['migrate', '--from', 'rs', '--to', 'dst', '--profiles', profiles, '--state', state, '--concurrency', String(concurrency)];

    const first = spawnCli(args, { cwd: dir });
    let ended = false;
    void first.result.then(() => (ended = true));
    // Killed once a good part is written, while batches are in flight.
    await waitFor(() => ended || target.stats().writes >= 12, 60_000, 2);
    expect(ended).toBe(false);
    first.kill('SIGKILL');
    await first.result;

    const db = new Database(join(state, 'state.db'), { readonly: true });
    const confirmed = (db.prepare('SELECT COUNT(*) AS n FROM crosswalk').get() as { n: number }).n;
    db.close();
    const stored = await held(profiles, 'dst', dir);
    expect(confirmed).toBeGreaterThan(0);
    // What landed but was not recorded as confirmed is what a resume sends again for nothing:
    // at most the batches in flight at the kill.
    expect(stored - confirmed).toBeLessThanOrEqual(concurrency * batchSize);

    const resumed = await runCli([...args, '--resume'], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    // The whole run, each record once, as created: the killed part's creates are not `updated`.
    expect(resumed.stderr).toContain(`read ${customers} · created ${customers} · updated 0 · unchanged 0 · rejected 0 · failed 0`);
    expect(await held(profiles, 'dst', dir)).toBe(customers);

    const after = new Database(join(state, 'state.db'), { readonly: true });
    try {
      expect(after.prepare('SELECT COUNT(*) AS n FROM crosswalk').get()).toEqual({ n: customers });
      expect(after.prepare('SELECT COUNT(*) AS n FROM pending').get()).toEqual({ n: 0 });
      // Nothing confirmed before the kill was confirmed again by a second write.
      expect(after.prepare("SELECT COUNT(*) AS n FROM crosswalk WHERE status <> 'created'").get()).toEqual({ n: 0 });
    } finally {
      after.close();
    }
  }, 180_000);
});
