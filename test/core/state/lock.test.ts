import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockedError } from '../../../src/core/state/lock.js';
import type { StateBackend } from '../../../src/core/state/backend.js';
import { openState } from '../../../src/core/state/open.js';
import { tempDir } from '../../helpers/cli.js';

/** The pid of a process that has exited: no process has it now (until the system hands it out again). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

let dir: string;
let store: StateBackend;
beforeEach(async () => {
  dir = tempDir();
  store = await openState(dir);
});
afterEach(() => store.close());

function putLock(scope: string, pid: number, host: string): void {
  const db = new Database(join(dir, 'state.db'));
  db.prepare("INSERT OR REPLACE INTO locks (scope, token, pid, host, started_at, command) VALUES (?, 'other', ?, ?, '2026-01-01T00:00:00.000Z', 'migrate')").run(scope, pid, host);
  db.close();
}

describe('run locks in the state database', async () => {
  it('refuses a second holder of a scope while the first lives, naming pid, host and start time', async () => {
    const first = await store.lock('migrate a → b', 'migrate');
    // The parent of this process is alive and not us: as if it held the lock.
    putLock('migrate a → b', process.ppid, hostname());
    const other = await openState(dir);
    try {
      await expect(other.lock('migrate a → b', 'migrate')).rejects.toThrow(LockedError);
      await expect(other.lock('migrate a → b', 'migrate')).rejects.toThrow(`pid ${process.ppid} on ${hostname()}, started 2026-01-01T00:00:00.000Z`);
      // Another scope is free.
      expect((await other.lock('migrate a → c', 'migrate')).tookOver).toBeUndefined();
    } finally {
      await other.close();
    }
    await first.release();
  });

  it('takes over the lock of a process that is gone, and says whose it was', async () => {
    const pid = deadPid();
    putLock('migrate a → b', pid, hostname());
    const lock = await store.lock('migrate a → b', 'migrate');
    expect(lock.tookOver).toMatchObject({ pid, host: hostname(), command: 'migrate' });
    expect(lock.owner.pid).toBe(process.pid);
  });

  it('never takes over the lock of another host, whose processes it cannot see', async () => {
    putLock('migrate a → b', deadPid(), 'elsewhere.example');
    await expect(store.lock('migrate a → b', 'migrate')).rejects.toThrow(/pid \d+ on elsewhere\.example/);
  });

  it('release frees the scope, and removes only its own row', async () => {
    const lock = await store.lock('s', 'migrate');
    await lock.release();
    const again = await store.lock('s', 'migrate');
    expect(again.tookOver).toBeUndefined();
    await lock.release();
    // The second lock is still held: the first release did not remove it again.
    const db = new Database(join(dir, 'state.db'), { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM locks').get()).toEqual({ n: 1 });
    db.close();
    await again.release();
  });
});
