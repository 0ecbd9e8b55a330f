import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Customer } from '../../../src/core/customer.js';
import { UserError } from '../../../src/core/errors.js';
import type { StateBackend } from '../../../src/core/state/backend.js';
import { copyState } from '../../../src/core/state/copy.js';
import { openState } from '../../../src/core/state/open.js';
import { emptyCounts } from '../../../src/core/summary.js';
import { generateCustomers } from '../../../src/emulator/generator.js';
import { tempDir } from '../../helpers/cli.js';
import { createTestDatabase, describePg, type TestDatabase } from '../../helpers/pg.js';

/** `state copy`: everything a state holds arrives, either way, and what must be refused is. */
const pair = { source: 'shop https://shop.example', target: 'newshop' };

async function* from<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A state with one of everything: two runs (one finished with outcomes, one killed with records in flight), a snapshot, a bookmark, a note shown. */
async function fill(state: StateBackend): Promise<void> {
  const done = await state.startRun(pair.source, pair.target);
  await state.recordStart(done.id, ['migrate', '--from', 'shop', '--to', 'newshop'], '/srv/sync');
  await state.claimEmails(done.id, [{ email: 'a@x.test', sourceKey: 'k1' }]);
  await state.markPending(pair, done.id, ['k1', 'k2']);
  await state.commitBatch({ id: done.id, ...pair }, [{ kind: 'done', sourceKey: 'k1', targetId: 'T1', hash: 'h1', status: 'created' }, { kind: 'refused', sourceKey: 'k2' }], { ...emptyCounts(), read: 2, created: 1, rejected: 1 });
  await state.recordOutcomes(done.id, from([{ key: 'k1', status: 'created', targetId: 'T1' }, { key: 'k2', status: 'rejected', reason: 'bad email' }]));
  await state.finishRun(done.id, 'finished', { ...emptyCounts(), read: 2, created: 1, rejected: 1 });
  const killed = await state.startRun(pair.source, pair.target);
  await state.markPending(pair, killed.id, ['k3']);
  await state.finishRun(killed.id, 'unfinished', { ...emptyCounts(), read: 1 });
  await state.saveSnapshot('shop', from([...generateCustomers(1500, 9)]));
  await state.setBookmark({ name: `migrate ${pair.source} → ${pair.target}`, scope: pair.source, readStartedAt: new Date('2026-11-25T02:00:00Z'), clock: 'server' });
  await state.firstShowing(pair.source, pair.target, 'digest-1');
}

/** What a user of the state sees of it, through the interface. */
async function picture(state: StateBackend) {
  const runs = (await state.listRuns(10)).map(({ durationMs: _, ...run }) => run);
  return {
    runs,
    records: await Promise.all(runs.map((run) => all(state.runRecords(run)))),
    keys: Object.fromEntries(await state.lookup(pair, ['k1', 'k2', 'k3'])),
    checkpoint: await state.lastCheckpoint(runs[1].id),
    snapshot: await state.snapshotInfo('shop').then((info) => info?.count),
    snapshotRecords: (await all(state.readSnapshot('shop'))) as Customer[],
    bookmark: await state.getBookmark(`migrate ${pair.source} → ${pair.target}`),
  };
}

describePg('state copy', () => {
  let database: TestDatabase;
  const open: StateBackend[] = [];
  const opened = async (spec: string) => {
    const state = await openState(spec);
    open.push(state);
    return state;
  };
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    for (const state of open.splice(0)) await state.close();
    await database.drop();
  });

  it('moves everything from SQLite into PostgreSQL and back, as it was; the next run continues the numbering', async () => {
    const dir = tempDir();
    const original = await opened(join(dir, 'a'));
    await fill(original);
    const expected = await picture(original);
    await original.close();

    const there = await copyState(join(dir, 'a'), database.url);
    expect(there.rows).toMatchObject({ runs: 2, checkpoints: 1, crosswalk: 1, pending: 1, run_emails: 1, snapshots: 1, snapshot_records: 1500, bookmarks: 1, run_meta: 1, run_records: 2, notes_shown: 1 });
    const pgState = await opened(database.url);
    expect(await picture(pgState)).toEqual(expected);
    expect(await pgState.firstShowing(pair.source, pair.target, 'digest-1')).toBe(false);
    expect(await pgState.claimEmails(expected.runs[1].id, [{ email: 'a@x.test', sourceKey: 'other' }])).toEqual([{ email: 'a@x.test', sourceKey: 'other', owner: 'k1' }]);
    await pgState.close();

    await copyState(database.url, join(dir, 'b'));
    const back = await opened(join(dir, 'b'));
    expect(await picture(back)).toEqual(expected);
    expect((await back.startRun(pair.source, pair.target)).id).toBe(3);
    const again = await opened(database.url);
    expect((await again.startRun(pair.source, pair.target)).id).toBe(3);
  });

  it('refuses a destination that holds state, and a source that a run is using', async () => {
    const dir = tempDir();
    const sqlite = await opened(join(dir, 'a'));
    await fill(sqlite);
    const pgState = await opened(database.url);
    await pgState.saveSnapshot('other', from([]));
    await expect(copyState(join(dir, 'a'), database.url)).rejects.toThrow(/holds state already \(snapshots\)/);

    const lock = await sqlite.lock(`migrate ${pair.source} → ${pair.target}`, 'migrate');
    const refused = await copyState(join(dir, 'a'), join(dir, 'c')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).message).toMatch(new RegExp(`^state copy: migrate \\(pid ${process.pid} on .*\\) is using the state in `));
    await lock.release();

    const pgLock = await pgState.lock('snapshot other', 'diff --since-last');
    await expect(copyState(database.url, join(dir, 'd'))).rejects.toThrow(/^state copy: a run is using the state in postgres:/);
    await pgLock.release();
    expect((await copyState(database.url, join(dir, 'd'))).rows.snapshots).toBe(1);
  });
});
