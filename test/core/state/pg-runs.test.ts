import { afterEach, beforeEach, expect, it } from 'vitest';
import type { StateBackend } from '../../../src/core/state/backend.js';
import { openState } from '../../../src/core/state/open.js';
import { createTestDatabase, describePg, queryDatabase, type TestDatabase } from '../../helpers/pg.js';
import pg from 'pg';

/**
 * `custsync runs` on a shared PostgreSQL state: a run that says `running`
 * runs while some session of the server holds the lock of its pair, on any
 * host; when none does, its process is gone, wherever it ran.
 */
describePg('runs in a PostgreSQL state', () => {
  let database: TestDatabase;
  let state: StateBackend;
  beforeEach(async () => {
    database = await createTestDatabase();
    state = await openState(database.url);
  });
  afterEach(async () => {
    await state.close();
    await database.drop();
  });

  it('a run of another host is running while its lock is held, and killed-resumable (with the command) once it is not', async () => {
    const run = await state.startRun('shop https://shop.example', 'newshop');
    await state.recordStart(run.id, ['migrate', '--from', 'shop', '--to', 'newshop'], '/srv/sync');
    // As if another host ran it: no pid of this machine can say anything about it.
    await queryDatabase(database.url, "UPDATE custsync.run_meta SET host = 'worker-7.internal', pid = 4242");
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query("SELECT pg_advisory_lock(1668641652, hashtext('migrate shop https://shop.example → newshop'))");
      expect(await state.runInfo(run.id)).toMatchObject({ state: 'running', host: 'worker-7.internal' });
      expect((await state.runInfo(run.id))?.resume).toBeUndefined();
    } finally {
      // The other host dies: its connection, and the lock with it, are gone.
      await other.end();
    }
    const info = await state.runInfo(run.id);
    expect(info).toMatchObject({ state: 'killed-resumable', resume: 'cd /srv/sync && custsync migrate --from shop --to newshop --resume' });
    expect((await state.listRuns(5))[0].state).toBe('killed-resumable');
  });

  it('the lock a run takes is the one `runs` looks for', async () => {
    const run = await state.startRun('a', 'b');
    await state.recordStart(run.id, ['migrate', '--from', 'a', '--to', 'b'], '/srv/sync');
    await queryDatabase(database.url, "UPDATE custsync.run_meta SET host = 'worker-7.internal'");
    const lock = await state.lock('migrate a → b', 'migrate');
    expect((await state.runInfo(run.id))?.state).toBe('running');
    await lock.release();
    expect((await state.runInfo(run.id))?.state).toBe('killed-resumable');
  });
});
