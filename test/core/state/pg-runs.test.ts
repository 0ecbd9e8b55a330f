import { expect, it } from 'vitest';
import { describePg, queryDatabase, usePgState } from '../../helpers/pg.js';
import pg from 'pg';

/**
 * `custsync runs` on a shared PostgreSQL state: a run that says `running`
 * runs while some session of the server holds the lock of its pair, on any
 * host; when none does, its process is gone, wherever it ran.
 */
describePg('runs in a PostgreSQL state', () => {
  const pgState = usePgState();

  it('a run of another host is running while its lock is held, and killed-resumable (with the command) once it is not', async () => {
    const run = await pgState.state().startRun('shop https://shop.example', 'newshop');
    await pgState.state().recordStart(run.id, ['migrate', '--from', 'shop', '--to', 'newshop'], '/srv/sync');
    // As if another host ran it: no pid of this machine can say anything about it.
    await queryDatabase(pgState.database().url, "UPDATE custsync.run_meta SET host = 'worker-7.internal', pid = 4242");
    const other = new pg.Client({ connectionString: pgState.database().url });
    await other.connect();
    try {
      await other.query("SELECT pg_advisory_lock(1668641652, hashtext('migrate shop https://shop.example → newshop'))");
      expect(await pgState.state().runInfo(run.id)).toMatchObject({ state: 'running', host: 'worker-7.internal' });
      expect((await pgState.state().runInfo(run.id))?.resume).toBeUndefined();
    } finally {
      // The other host dies: its connection, and the lock with it, are gone.
      await other.end();
    }
    const info = await pgState.state().runInfo(run.id);
    expect(info).toMatchObject({ state: 'killed-resumable', resume: 'cd /srv/sync && custsync migrate --from shop --to newshop --resume' });
    expect((await pgState.state().listRuns(5))[0].state).toBe('killed-resumable');
  });

  it('the lock a run takes is the one `runs` looks for', async () => {
    const run = await pgState.state().startRun('a', 'b');
    await pgState.state().recordStart(run.id, ['migrate', '--from', 'a', '--to', 'b'], '/srv/sync');
    await queryDatabase(pgState.database().url, "UPDATE custsync.run_meta SET host = 'worker-7.internal'");
    const lock = await pgState.state().lock('migrate a → b', 'migrate');
    expect((await pgState.state().runInfo(run.id))?.state).toBe('running');
    await lock.release();
    expect((await pgState.state().runInfo(run.id))?.state).toBe('killed-resumable');
  });
});
