import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe, inject, it } from 'vitest';
import type { StateBackend } from '../../src/core/state/backend.js';
import { openState } from '../../src/core/state/open.js';

/**
 * PostgreSQL for the state backend tests: each test (or suite) creates a
 * database of its own, `custsync_t_<random>`, and drops it after, so tests
 * run in parallel and leave nothing behind.
 */
const adminUrl = inject('pgAdminUrl');
const skipReason = inject('pgSkipReason');
const required = process.env.CUSTSYNC_TEST_POSTGRES === 'required';

/** True when the PostgreSQL tests can run here. */
export const pgAvailable = adminUrl !== '';

/**
 * A describe block that needs PostgreSQL: skipped when the server does not
 * answer (the global setup said why, once), failing instead when
 * CUSTSYNC_TEST_POSTGRES=required.
 */
export function describePg(name: string, body: () => void): void {
  if (pgAvailable) describe(name, body);
  else if (required) {
    describe(name, () => {
      it('needs PostgreSQL on this machine (CUSTSYNC_TEST_POSTGRES=required)', () => {
        throw new Error(skipReason);
      });
    });
  } else describe.skip(name, body);
}

export interface TestDatabase {
  /** `postgres://…/custsync_t_…`: a `--state` URL. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database for one test; `drop()` removes it (ending any session still in it). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `custsync_t_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Runs one query in a test database (to look at what the state wrote, or to change it behind custsync's back). */
export async function queryDatabase<R extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Inside a `describePg`: a fresh database and a state opened on it for each
 * test, closed and dropped after it.
 */
export function usePgState(): { database(): TestDatabase; state(): StateBackend } {
  let database: TestDatabase | undefined;
  let state: StateBackend | undefined;
  beforeEach(async () => {
    database = await createTestDatabase();
    state = await openState(database.url);
  });
  afterEach(async () => {
    await state?.close();
    await database?.drop();
  });
  return { database: () => database!, state: () => state! };
}
