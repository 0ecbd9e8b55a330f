import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { UserError } from '../errors.js';
import type { Logger } from '../../ui/logger.js';

/**
 * One run at a time writes a scope of the state (SPEC section 5): a
 * migration of one source → target pair, or the snapshot of one profile. A
 * run takes the lock of its scope before it writes anything and names itself
 * in it (pid, host, start time); a second run of the same scope is refused
 * with exit 2, naming the first. A lock whose process is gone (same host, pid
 * not alive: the run was killed) is taken over, with a warning.
 *
 * A state backend takes it through `StateBackend.lock`: SQLite keeps a row
 * per scope ({@link SqliteRunLocks}); a PostgreSQL backend may take a
 * session advisory lock on a hash of the scope (released by the server when
 * the session dies) and keep the owner row only to name it.
 */

export interface RunLock {
  readonly scope: string;
  readonly owner: LockOwner;
  /** The dead run whose lock this one took over, when there was one. */
  readonly tookOver?: LockOwner;
  /** Gives the lock back; only the owner's own lock is removed. Safe to call twice, and after the store was closed. */
  release(): Promise<void>;
}

export interface LockOwner {
  pid: number;
  host: string;
  /** ISO 8601. */
  startedAt: string;
  /** What holds it: `migrate`, `diff --since-last`. */
  command: string;
}

/** Another live run holds the lock: exit 2, nothing sent. */
export class LockedError extends UserError {
  constructor(
    readonly scope: string,
    readonly holder: LockOwner,
  ) {
    super(
      `another run is using this state for ${scope}: ${holder.command} (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt})`,
      holder.host === hostname()
        ? `wait for it to finish, or stop it (kill ${holder.pid}); a lock whose process is gone is taken over by the next run`
        : `wait for it to finish; if no such process runs on ${holder.host} any more, run again on ${holder.host} (it takes a dead run's lock over) or delete the row of the "locks" table in the state database`,
    );
  }
}

/** True when a process with this pid exists on this host (EPERM: it exists, but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const ddl = `
CREATE TABLE IF NOT EXISTS locks (
  scope TEXT PRIMARY KEY,
  token TEXT NOT NULL,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  started_at TEXT NOT NULL,
  command TEXT NOT NULL
);
`;

/** A `locks` row, the same in both stores. */
export interface LockRow {
  scope: string;
  token: string;
  pid: number;
  host: string;
  started_at: string;
  command: string;
}

export const ownerOf = (row: LockRow): LockOwner => ({ pid: row.pid, host: row.host, startedAt: row.started_at, command: row.command });

/**
 * Locks as rows of a `locks` table, taken in an IMMEDIATE transaction (the
 * database's write lock), so the check and the claim are one atomic step. A
 * killed process leaves its row behind; the next run of the scope finds its
 * pid gone and takes the row over.
 */
export class SqliteRunLocks {
  constructor(
    private readonly db: Database.Database,
    private readonly isAlive: (pid: number) => boolean = processAlive,
  ) {
    db.exec(ddl);
  }

  acquire(scope: string, command: string): RunLock {
    const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command };
    const token = randomUUID();
    const get = this.db.prepare<[string], LockRow>('SELECT * FROM locks WHERE scope = ?');
    const put = this.db.prepare('INSERT OR REPLACE INTO locks (scope, token, pid, host, started_at, command) VALUES (?, ?, ?, ?, ?, ?)');
    const take = this.db.transaction((): LockOwner | undefined => {
      const held = get.get(scope);
      if (held && !this.stale(held)) throw new LockedError(scope, ownerOf(held));
      put.run(scope, token, owner.pid, owner.host, owner.startedAt, owner.command);
      return held ? ownerOf(held) : undefined;
    });
    const tookOver = take.immediate();
    const remove = this.db.prepare('DELETE FROM locks WHERE scope = ? AND token = ?');
    let released = false;
    return {
      scope,
      owner,
      ...(tookOver ? { tookOver } : {}),
      release: async () => {
        if (released || !this.db.open) return;
        released = true;
        remove.run(scope, token);
      },
    };
  }

  /**
   * A lock of this host whose process is gone. A row with this very pid is a
   * killed run's whose pid the system gave to us again (a process takes each
   * scope once). One of another host cannot be checked, so it holds.
   */
  private stale(row: LockRow): boolean {
    return row.host === hostname() && (row.pid === process.pid || !this.isAlive(row.pid));
  }
}

/** Takes the lock of a scope through a store, warning when it took over the lock of a run that was killed. */
export async function takeLock(
  store: { lock(scope: string, command: string, options?: { shared?: boolean }): Promise<RunLock> },
  scope: string,
  command: string,
  log: Logger,
  options?: { shared?: boolean },
): Promise<RunLock> {
  const lock = await store.lock(scope, command, options);
  const dead = lock.tookOver;
  if (dead) log.warn(`took over the lock of ${dead.command} (pid ${dead.pid} on ${dead.host}, started ${dead.startedAt}): that process is gone`);
  return lock;
}
