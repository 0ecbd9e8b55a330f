import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startSpiffyEmulator, type SpiffyEmulatorHandle } from '../../src/dialects/spiffy/emulator.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { runCli, spawnCli, tempDir, waitFor, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';

/**
 * One run at a time per migration pair (SPEC section 5): a second run on the
 * same --state exits 2 naming the first, a dead run's lock is taken over with
 * a warning. The CLI runs as processes against emulators on loopback.
 */
const running: EmulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

interface LockRow {
  scope: string;
  pid: number;
  host: string;
  started_at: string;
}

function locks(stateDir: string): LockRow[] {
  const path = join(stateDir, 'state.db');
  if (!existsSync(path)) return [];
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT * FROM locks').all() as LockRow[];
  } catch {
    return [];
  } finally {
    db.close();
  }
}

/** A resultset source and a slow spiffy target (each answer waits), so a migration takes a while. */
async function setup(customers: number, latencyMs: number) {
  const source = await startEmulator('resultset', { customers, seed: 3 });
  const target: SpiffyEmulatorHandle = await startSpiffyEmulator({ customers: 0, seed: 9, latencyMs, rateLimit: { limit: 1_000_000 } });
  running.push(source, target);
  const dir = tempDir();
  const profiles = writeProfiles(dir, { rs: source.profile, shop: target.profile });
  const state = join(dir, 'state');
  const args = ['migrate', '--from', 'rs', '--to', 'shop', '--profiles', profiles, '--state', state];
  return { source, target, dir, state, args };
}

describe('the run lock', () => {
  it('refuses a second migrate of the same pair while the first runs: exit 2 naming its pid, host and start time', async () => {
    const { target, dir, state, args } = await setup(60, 100);
    const first = spawnCli(args, { cwd: dir });
    expect(await waitFor(() => locks(state).length > 0)).toBe(true);
    const [held] = locks(state);
    expect(held.pid).toBe(first.pid);

    const second = await runCli(args, { cwd: dir });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`pid ${first.pid} on ${hostname()}, started ${held.started_at}`);
    expect(second.stderr).toContain('hint: wait for it to finish');
    expect(second.stderr).not.toMatch(/read \d+ ·/);

    const done = await first.result;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain('read 60 · created 60 · updated 0 · unchanged 0 · rejected 0 · failed 0');
    // Every customer once: the second run sent nothing.
    const emails = target.customers().map((c) => c.email);
    expect(emails).toHaveLength(60);
    expect(new Set(emails).size).toBe(60);
    // The lock is given back at the end.
    expect(locks(state)).toEqual([]);
    const third = await runCli(args, { cwd: dir });
    expect(third.code).toBe(0);
    expect(third.stderr).toContain('unchanged 60');
  });

  it('takes over the lock of a run that was killed, with a warning, and finishes its work', async () => {
    const { target, dir, state, args } = await setup(40, 40);
    const first = spawnCli(args, { cwd: dir });
    expect(await waitFor(() => locks(state).length > 0 && target.customers().length > 0)).toBe(true);
    first.kill('SIGKILL');
    const killed = await first.result;
    expect(killed.signal).toBe('SIGKILL');
    expect(locks(state).map((l) => l.pid)).toEqual([first.pid]);

    const resumed = await runCli([...args, '--resume'], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`warning: took over the lock of migrate \\(pid ${first.pid} on ${hostname().replace(/\./g, '\\.')}, started [^)]+\\): that process is gone`));
    expect(new Set(target.customers().map((c) => c.email)).size).toBe(40);
    expect(target.customers()).toHaveLength(40);
    expect(locks(state)).toEqual([]);
  });

  it('never takes over the lock of a run on another host: exit 2 naming that host', async () => {
    const { dir, state, args } = await setup(20, 40);
    const first = spawnCli(args, { cwd: dir });
    expect(await waitFor(() => locks(state).length > 0)).toBe(true);
    first.kill('SIGKILL');
    await first.result;
    const db = new Database(join(state, 'state.db'));
    db.prepare("UPDATE locks SET host = 'build-02.example'").run();
    db.close();
    const next = await runCli([...args, '--resume'], { cwd: dir });
    expect(next.code).toBe(2);
    expect(next.stderr).toContain(`pid ${first.pid} on build-02.example`);
    expect(next.stderr).toContain('if no such process runs on build-02.example any more');
  });

  it('diff --since-last holds the lock of its snapshot the same way', async () => {
    const dir = tempDir();
    const state = join(dir, 'state');
    const input = join(dir, 'in.jsonl');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(input, `${JSON.stringify({ key: 'K1', email: 'k1@example.com', addresses: [], groups: [], custom: {} })}\n`);
    const first = await runCli(['diff', '--from', `jsonl:${input}`, '--since-last', '--state', state], { cwd: dir });
    expect(first.code).toBe(0);
    // A live process of this host (the test runner) holds the snapshot's lock.
    const db = new Database(join(state, 'state.db'));
    db.prepare("INSERT INTO locks (scope, token, pid, host, started_at, command) VALUES (?, 't', ?, ?, '2026-03-01T10:00:00.000Z', 'diff --since-last')").run(
      `snapshot jsonl:${input}`,
      process.pid,
      hostname(),
    );
    db.close();
    const second = await runCli(['diff', '--from', `jsonl:${input}`, '--since-last', '--state', state], { cwd: dir });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`diff --since-last (pid ${process.pid} on ${hostname()}, started 2026-03-01T10:00:00.000Z)`);
  });
});
