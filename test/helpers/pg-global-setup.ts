import pg from 'pg';
import type { TestProject } from 'vitest/node';

/**
 * Runs once before every test file: finds the PostgreSQL server the state
 * backend tests use (127.0.0.1:5432, trust auth, database `test`; or
 * $CUSTSYNC_TEST_PG_URL), as a user allowed to create databases. When none
 * answers, says so in ONE line, and the PostgreSQL tests are skipped, unless
 * CUSTSYNC_TEST_POSTGRES=required (CI), where they fail with that reason.
 */
export default async function setup(project: TestProject): Promise<void> {
  const candidates = process.env.CUSTSYNC_TEST_PG_URL
    ? [process.env.CUSTSYNC_TEST_PG_URL]
    : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];
  const failures: string[] = [];
  for (const url of candidates) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ allowed: boolean }>('SELECT rolcreatedb OR rolsuper AS allowed FROM pg_roles WHERE rolname = current_user');
      if (!rows[0]?.allowed) {
        failures.push(`${url}: this user may not create databases`);
        continue;
      }
      project.provide('pgAdminUrl', url);
      project.provide('pgSkipReason', '');
      return;
    } catch (error) {
      failures.push(`${url}: ${(error as Error).message}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const reason = `PostgreSQL does not answer (${failures.join('; ')})`;
  project.provide('pgAdminUrl', '');
  project.provide('pgSkipReason', reason);
  if (process.env.CUSTSYNC_TEST_POSTGRES !== 'required') {
    console.log(`PostgreSQL state tests skipped: ${reason}; start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`);
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** A URL of a database where the tests may create (and drop) their own databases; '' when PostgreSQL does not answer. */
    pgAdminUrl: string;
    /** Why the PostgreSQL tests cannot run; '' when they can. */
    pgSkipReason: string;
  }
}
