import { expect, it } from 'vitest';
import type { PgConnection } from '../../../src/core/state/pg-connection.js';
import { describePg, usePgState } from '../../helpers/pg.js';

/**
 * The settings of the state's own session, which no output shows: commits
 * that do not wait for the disk (but in-flight marks that do, see pg.ts), and
 * keepalives that free a dead host's lock within about a minute.
 */
describePg('the PostgreSQL state session', () => {
  const pgState = usePgState();

  it('commits without waiting for the disk, probes a silent peer after 30 s, and finds its tables in the custsync schema', async () => {
    const connection = (pgState.state() as unknown as { db: PgConnection }).db;
    const show = async (name: string) => (await connection.query<Record<string, string>>(`SHOW ${name}`)).rows[0][name];
    expect(await show('synchronous_commit')).toBe('off');
    expect(await show('tcp_keepalives_idle')).toBe('30');
    expect(await show('tcp_keepalives_interval')).toBe('10');
    expect(await show('tcp_keepalives_count')).toBe('3');
    expect(await show('search_path')).toBe('custsync');
    expect(await show('application_name')).toBe('custsync');
  });
});
