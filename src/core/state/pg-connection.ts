import pg from 'pg';
import { CustsyncError, RemoteError, UserError } from '../errors.js';
import { redactSecrets } from '../secrets.js';
import type { PgLocation } from './pg-url.js';

/**
 * One connection to the state database, used by one state object: every
 * query of a run goes through it, and the run's lock is a session advisory
 * lock of this very connection, so the lock ends when the connection does (a
 * killed process, a dead host). Calls are queued: a transaction is never
 * interleaved with another call's statements.
 */
export class PgConnection {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Set when the server or the network dropped the connection: every later call fails with it. */
  private lost?: Error;

  private constructor(
    private readonly client: pg.Client,
    readonly location: PgLocation,
  ) {
    // An idle connection that drops emits 'error'; without a listener it would end the process.
    client.on('error', (error) => {
      this.lost = error;
    });
  }

  /** Connects; exit 2 (nothing sent yet) naming the address without its password when the server does not answer. */
  static async open(location: PgLocation): Promise<PgConnection> {
    const client = new pg.Client({
      connectionString: location.connectionString,
      application_name: 'custsync',
      // A dead host's connection (and so its lock) is noticed by the keepalive, not only at the next write.
      keepAlive: true,
      connectionTimeoutMillis: 15_000,
    });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw new UserError(
        `cannot connect to the state database ${location.where}: ${redactSecrets((error as Error).message)}`,
        'check --state (or $CUSTSYNC_STATE): the server must answer there, the database exist and the user be allowed to log in',
      );
    }
    return new PgConnection(client, location);
  }

  /** Runs `work` alone on the connection (calls queue behind each other). A failure of the server is exit 3, naming the database. */
  run<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      if (this.closed) throw new RemoteError(`the state database ${this.location.where} was closed`);
      if (this.lost) throw this.failure(this.lost);
      try {
        return await work(this.client);
      } catch (error) {
        throw this.failure(error);
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  query<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.run((client) => client.query<R>(sql, values));
  }

  /** Runs `work` in one transaction: all of it is committed, or none. */
  transaction<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    return this.run(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  get isOpen(): boolean {
    return !this.closed && !this.lost;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    await this.client.end().catch(() => undefined);
  }

  /** Our own errors pass through; anything the driver or the server says becomes a RemoteError (exit 3) without secrets. */
  private failure(error: unknown): Error {
    if (error instanceof CustsyncError) return error;
    const message = redactSecrets(error instanceof Error ? error.message : String(error));
    return new RemoteError(`the state database ${this.location.where} failed: ${message}`, {
      hint: 'check that the PostgreSQL server is up; a migration that stopped here resumes with --resume',
    });
  }
}

/** The settings of every session of a state (see `PgState.open` for why): its schema, commits that do not wait for the disk, keepalives that notice a dead host within a minute. */
export function sessionSettings(schema: string): string {
  return `SET search_path TO "${schema}"; SET synchronous_commit TO off; SET tcp_keepalives_idle TO 30; SET tcp_keepalives_interval TO 10; SET tcp_keepalives_count TO 3`;
}
