import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockedError } from '../../../src/core/state/lock.js';
import { StateStore } from '../../../src/core/state/store.js';
import { tempDir } from '../../helpers/cli.js';

/** The pid of a process that has exited: no process has it now (until the system hands it out again). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

let dir: string;
let store: StateStore;
beforeEach(() => {
  dir = tempDir();
  store = new StateStore(dir);
});
afterEach(() => store.close());

function putLock(scope: string, pid: number, host: string): void {
  const db = new Database(join(dir, 'state.db'));
  db.prepare("INSERT OR REPLACE INTO locks (scope, token, pid, host, started_at, command) VALUES (?, 'other', ?, ?, '2026-01-01T00:00:00.000Z', 'migrate')").run(scope, pid, host);
  db.close();
}

describe('run locks in the state database', () => {
  it('refuses a second holder of a scope while the first lives, naming pid, host and start time', () => {
    const first = store.lock('migrate a → b', 'migrate');
    // The parent of this process is alive and not us: as if it held the lock.
    putLock('migrate a → b', process.ppid, hostname());
    const other = new StateStore(dir);
    try {
      expect(() => other.lock('migrate a → b', 'migrate')).toThrow(LockedError);
      expect(() => other.lock('migrate a → b', 'migrate')).toThrow(`pid ${process.ppid} on ${hostname()}, started 2026-01-01T00:00:00.000Z`);
      // Another scope is free.
      expect(other.lock('migrate a → c', 'migrate').tookOver).toBeUndefined();
    } finally {
      other.close();
    }
    first.release();
  });

  it('takes over the lock of a process that is gone, and says whose it was', () => {
    const pid = deadPid();
    putLock('migrate a → b', pid, hostname());
    const lock = store.lock('migrate a → b', 'migrate');
    expect(lock.tookOver).toMatchObject({ pid, host: hostname(), command: 'migrate' });
    expect(lock.owner.pid).toBe(process.pid);
  });

  it('never takes over the lock of another host, whose processes it cannot see', () => {
    putLock('migrate a → b', deadPid(), 'elsewhere.example');
    expect(() => store.lock('migrate a → b', 'migrate')).toThrow(/pid \d+ on elsewhere\.example/);
  });

  it('release frees the scope, and removes only its own row', () => {
    const lock = store.lock('s', 'migrate');
    lock.release();
    const again = store.lock('s', 'migrate');
    expect(again.tookOver).toBeUndefined();
    lock.release();
    // The second lock is still held: the first release did not remove it again.
    const db = new Database(join(dir, 'state.db'), { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM locks').get()).toEqual({ n: 1 });
    db.close();
    again.release();
  });
});
