import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockedError, ownerOf, processAlive, type LockOwner, type LockRow, type RunLock } from './lock.js';
import type { PgConnection } from './pg-connection.js';
import { lockClass } from './pg-schema.js';

/**
 * Run locks of a PostgreSQL state (SPEC section 5): a session advisory lock
 * on (custsync's class, hash of the scope), taken by the run's own
 * connection. The server holds it exactly as long as that connection lives,
 * so a killed process or a dead host loses it without anyone deciding it is
 * stale (a dead host's connection is dropped when its TCP keepalive fails).
 * The `locks` table only names the holder, for the message of a refused run
 * and for `tookOver`: a row whose lock nobody holds is a dead run's.
 */
export class PgRunLocks {
  /** The first half of every run lock key, as pg_locks shows it. */
  static readonly classid = lockClass;

  /** SQL for the second half of the key of a scope expression, as pg_locks shows it (an oid: the int4 hash read as unsigned). */
  static objidSql(scope: string): string {
    return `(hashtext(${scope})::bigint & 4294967295)`;
  }

  private readonly held = new Set<RunLock>();

  constructor(
    private readonly db: PgConnection,
    private readonly isAlive: (pid: number) => boolean = processAlive,
  ) {}

  /**
   * `shared`: the lock of one worker of `migrate --workers`. Workers of a
   * pair hold the scope's lock together (a shared advisory lock), and a plain
   * run of the pair (exclusive) is refused while any of them lives, and the
   * other way round. Each worker names itself in a row of its own.
   */
  async acquire(scope: string, command: string, options: { shared?: boolean } = {}): Promise<RunLock> {
    const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command };
    const token = randomUUID();
    const shared = options.shared === true;
    const take = shared ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock';
    const unlock = shared ? 'pg_advisory_unlock_shared' : 'pg_advisory_unlock';
    const row = shared ? workerScope(scope, token) : scope;
    for (let attempt = 0; ; attempt += 1) {
      const { rows } = await this.db.query<{ got: boolean }>(`SELECT ${take}($1, hashtext($2)) AS got`, [lockClass, scope]);
      if (rows[0].got) break;
      const holder = await this.holder(scope);
      // A process of this host that is gone: its connection closed, and the server lets go of its lock in a moment.
      const dying = holder !== undefined && holder.host === hostname() && !this.isAlive(holder.pid);
      // No row yet: the holder took the lock a moment ago and is writing its name.
      if ((dying || holder === undefined) && attempt < 40) {
        await sleep(250);
        continue;
      }
      const refused = new LockedError(scope, holder ?? { pid: 0, host: 'unknown host', startedAt: 'at an unknown time', command: 'another custsync' });
      // The SQLite hint (delete the row) does not apply: here the lock ends with the holder's connection.
      (refused as { hint?: string }).hint =
        holder && holder.host === hostname()
          ? `wait for it to finish, or stop it (kill ${holder.pid}): its lock ends with its connection to the state database`
          : 'wait for it to finish: its lock ends with its connection to the state database (at once when it is killed, within minutes when its host dies)';
      throw refused;
    }
    let tookOver: LockOwner | undefined;
    try {
      // We hold the lock, so a row still there is a run whose connection is gone.
      tookOver = await this.db.transaction(async (client) => {
        // Held exclusively, no worker of the pair lives: rows of workers are those of killed ones.
        if (!shared) await client.query('DELETE FROM locks WHERE starts_with(scope, $1)', [workerScope(scope, '')]);
        const before = await client.query<LockRow>('SELECT * FROM locks WHERE scope = $1 FOR UPDATE', [row]);
        await client.query(
          `INSERT INTO locks (scope, token, pid, host, started_at, command) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (scope) DO UPDATE SET token = excluded.token, pid = excluded.pid, host = excluded.host, started_at = excluded.started_at, command = excluded.command`,
          [row, token, owner.pid, owner.host, owner.startedAt, owner.command],
        );
        return before.rows[0] && ownerOf(before.rows[0]);
      });
    } catch (error) {
      await this.db.query(`SELECT ${unlock}($1, hashtext($2))`, [lockClass, scope]).catch(() => undefined);
      throw error;
    }
    let released = false;
    const lock: RunLock = {
      scope,
      owner,
      ...(tookOver ? { tookOver } : {}),
      release: async () => {
        if (released) return;
        released = true;
        this.held.delete(lock);
        if (!this.db.isOpen) return;
        await this.db.query('DELETE FROM locks WHERE scope = $1 AND token = $2', [row, token]).catch(() => undefined);
        await this.db.query(`SELECT ${unlock}($1, hashtext($2))`, [lockClass, scope]).catch(() => undefined);
      },
    };
    this.held.add(lock);
    return lock;
  }

  async releaseAll(): Promise<void> {
    for (const lock of [...this.held]) await lock.release();
  }

  /** Who holds the scope: the plain run, else a worker of the pair (one of this host that is gone, a killed worker's row, only when no other is named). */
  private async holder(scope: string): Promise<LockOwner | undefined> {
    const { rows } = await this.db.query<LockRow>('SELECT * FROM locks WHERE scope = $1 OR starts_with(scope, $2) ORDER BY scope = $1 DESC, started_at', [scope, workerScope(scope, '')]);
    const owners = rows.map(ownerOf);
    return owners.find((owner) => owner.host !== hostname() || this.isAlive(owner.pid)) ?? owners[0];
  }
}

/** The `locks` row of one worker of a scope. */
function workerScope(scope: string, token: string): string {
  return `${scope} · worker ${token}`;
}

