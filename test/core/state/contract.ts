import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BugError } from '../../../src/core/errors.js';
import type { StateBackend } from '../../../src/core/state/backend.js';
import { LockedError } from '../../../src/core/state/lock.js';
import { openState, type OpenStateOptions } from '../../../src/core/state/open.js';
import { snapshotForm } from '../../../src/core/state/snapshot-form.js';
import { registerSecret } from '../../../src/core/secrets.js';
import { emptyCounts, type RunCounts } from '../../../src/core/summary.js';
import { generateCustomers } from '../../../src/emulator/generator.js';

/**
 * The contract every state store honours (`StateBackend`, SPEC section 5),
 * run against each store by a test file of its own (`sqlite.contract.test.ts`,
 * `pg.contract.test.ts`). A store passes it through `openState(spec)`, as the
 * commands open it; nothing here knows which store it is.
 */
export interface StoreUnderTest {
  /** The `--state` of a new, empty state (a directory, or a postgres:// URL). */
  spec: string;
  /** Removes it. */
  dispose(): Promise<void>;
}

const pair = { source: 'src-profile', target: 'dst-profile' };
const counts = (patch: Partial<RunCounts> = {}): RunCounts => ({ ...emptyCounts(), ...patch });

async function* from<T>(items: Iterable<T>, failAfter?: number): AsyncGenerator<T> {
  let n = 0;
  for (const item of items) {
    if (failAfter !== undefined && n === failAfter) throw new Error('the source went away');
    n += 1;
    yield item;
  }
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The built state module, for a child process that holds a lock (`npm test` builds first). */
const builtOpen = resolve(import.meta.dirname, '../../../dist/core/state/open.js');

/** Starts a process that takes the lock of `scope` in the state and holds it until killed; resolves with its pid once it holds it. */
function lockHolder(spec: string, scope: string): Promise<{ pid: number; kill: () => Promise<void> }> {
  const script = `
    const { openState } = await import(${JSON.stringify(builtOpen)});
    const state = await openState(process.argv[1]);
    await state.lock(process.argv[2], 'migrate');
    process.stdout.write('locked\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, spec, scope], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((done) => child.on('close', () => done()));
  return new Promise((resolvePromise, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('locked')) {
        resolvePromise({
          pid: child.pid!,
          kill: async () => {
            child.kill('SIGKILL');
            await exited;
          },
        });
      }
    });
    child.on('close', (code) => reject(new Error(`the lock holder exited ${code}: ${stderr}`)));
  });
}

export function stateContract(name: string, create: () => Promise<StoreUnderTest>): void {
  describe(`state contract: ${name}`, () => {
    let under: StoreUnderTest;
    const opened: StateBackend[] = [];
    const open = async (options?: OpenStateOptions) => {
      const state = await openState(under.spec, options ?? {});
      if (state) opened.push(state);
      return state;
    };
    let state: StateBackend;
    const one = async (key: string) => (await state.lookup(pair, [key])).get(key) ?? {};

    beforeEach(async () => {
      under = await create();
      state = (await open())!;
    });
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      await under.dispose();
    });

    it('tracks runs: start, unfinished, resume, finish, abandon, and the last of a pair', async () => {
      const run = await state.startRun(pair.source, pair.target);
      expect(run).toMatchObject({ source: pair.source, target: pair.target, status: 'running', counts: counts() });
      expect(Date.parse(run.startedAt)).not.toBeNaN();
      expect(await state.getRun(run.id)).toEqual(run);
      expect((await state.lastUnfinishedRun(pair.source, pair.target))?.id).toBe(run.id);
      await state.finishRun(run.id, 'unfinished', counts({ read: 3, created: 2, failed: 1 }));
      expect(await state.lastUnfinishedRun(pair.source, pair.target)).toMatchObject({ id: run.id, status: 'unfinished', counts: { read: 3, created: 2, failed: 1 } });
      expect(await state.lastUnfinishedRun(pair.source, 'elsewhere')).toBeUndefined();
      const resumed = await state.resumeRun(run.id);
      expect(resumed).toMatchObject({ id: run.id, status: 'running' });
      expect(resumed.finishedAt).toBeUndefined();
      await state.finishRun(run.id, 'finished', counts({ read: 3, created: 3 }));
      expect(await state.lastUnfinishedRun(pair.source, pair.target)).toBeUndefined();
      expect((await state.getRun(run.id))?.finishedAt).toBeDefined();
      const next = await state.startRun(pair.source, pair.target);
      expect(next.id).toBeGreaterThan(run.id);
      await state.abandonRun(next.id);
      expect(await state.lastUnfinishedRun(pair.source, pair.target)).toBeUndefined();
      expect(await state.lastRun(pair.source, pair.target)).toMatchObject({ id: next.id, status: 'abandoned' });
      expect(await state.getRun(9999)).toBeUndefined();
    });

    it('commits confirmations, their checkpoint and the counts together, and clears the in-flight marks', async () => {
      const run = await state.startRun(pair.source, pair.target);
      const key = { id: run.id, ...pair };
      await state.markPending(pair, run.id, ['k1', 'k2']);
      await state.markPending(pair, run.id, ['k3', 'k3']);
      expect(await state.countPending(pair.source, pair.target)).toBe(3);
      expect((await one('k1')).pending).toEqual({ sourceKey: 'k1', runId: run.id });
      await state.commitBatch(
        key,
        [
          { kind: 'done', sourceKey: 'k1', targetId: 'T1', hash: 'h1', status: 'created' },
          { kind: 'refused', sourceKey: 'k2' },
        ],
        counts({ read: 2, created: 1, rejected: 1 }),
      );
      expect(await one('k1')).toEqual({ known: { sourceProfile: pair.source, sourceKey: 'k1', targetProfile: pair.target, targetId: 'T1', hash: 'h1', runId: run.id, status: 'created' } });
      expect(await one('k2')).toEqual({});
      expect((await one('k3')).pending).toEqual({ sourceKey: 'k3', runId: run.id });
      expect(await state.countPending(pair.source, pair.target)).toBe(1);
      expect(await state.countCrosswalk(pair.source, pair.target)).toBe(1);
      expect(await state.lastCheckpoint(run.id)).toMatchObject({ seq: 1, confirmed: 1, lastKey: 'k2' });
      expect((await state.getRun(run.id))?.counts).toEqual(counts({ read: 2, created: 1, rejected: 1 }));

      // An answer without an id keeps the one the crosswalk has; the checkpoint counts the run's total.
      await state.commitBatch(key, [{ kind: 'done', sourceKey: 'k1', hash: 'h2', status: 'updated' }], counts({ read: 3, created: 1, updated: 1, rejected: 1 }));
      expect((await one('k1')).known).toMatchObject({ targetId: 'T1', hash: 'h2', status: 'updated' });
      expect(await state.lastCheckpoint(run.id)).toMatchObject({ seq: 2, confirmed: 2, lastKey: 'k1' });

      // An empty batch stores the counts and no checkpoint.
      await state.commitBatch(key, [], counts({ read: 4, created: 1, updated: 1, rejected: 1, failed: 1 }));
      expect(await state.lastCheckpoint(run.id)).toMatchObject({ seq: 2 });
      expect((await state.getRun(run.id))?.counts.failed).toBe(1);
      // The crosswalk is per pair.
      expect(await state.countCrosswalk(pair.source, 'elsewhere')).toBe(0);
      expect((await state.lookup({ source: pair.source, target: 'elsewhere' }, ['k1'])).size).toBe(0);
    });

    it('a key confirmed twice in one batch keeps its last confirmation', async () => {
      const run = await state.startRun(pair.source, pair.target);
      await state.commitBatch(
        { id: run.id, ...pair },
        [
          { kind: 'done', sourceKey: 'k', targetId: 'T', hash: 'first', status: 'created' },
          { kind: 'done', sourceKey: 'k', hash: 'second', status: 'updated' },
        ],
        counts({ read: 2, created: 1, updated: 1 }),
      );
      expect((await one('k')).known).toMatchObject({ targetId: 'T', hash: 'second', status: 'updated' });
    });

    it('looks up many keys in one call: known ones, in-flight ones, and nothing for the rest', async () => {
      const run = await state.startRun(pair.source, pair.target);
      const keys = Array.from({ length: 1200 }, (_, i) => `key-${i}`);
      await state.commitBatch(
        { id: run.id, ...pair },
        keys.filter((_, i) => i % 3 === 0).map((sourceKey) => ({ kind: 'done' as const, sourceKey, targetId: `T-${sourceKey}`, hash: 'h', status: 'created' })),
        counts(),
      );
      await state.markPending(pair, run.id, keys.filter((_, i) => i % 3 === 1));
      const found = await state.lookup(pair, [...keys, 'key-0']);
      expect(found.size).toBe(800);
      expect(found.get('key-3')?.known?.targetId).toBe('T-key-3');
      expect(found.get('key-4')?.pending?.runId).toBe(run.id);
      expect(found.get('key-4')?.known).toBeUndefined();
      expect(found.has('key-5')).toBe(false);
      expect((await state.lookup(pair, [])).size).toBe(0);
    });

    it('a later run marking a record in flight takes the mark over', async () => {
      const first = await state.startRun(pair.source, pair.target);
      await state.markPending(pair, first.id, ['k']);
      await state.finishRun(first.id, 'unfinished', counts());
      const second = await state.startRun(pair.source, pair.target);
      await state.markPending(pair, second.id, ['k']);
      expect((await one('k')).pending).toEqual({ sourceKey: 'k', runId: second.id });
      expect(await state.countPending(pair.source, pair.target)).toBe(1);
    });

    it('gives each email of a run to the first source record that claims it', async () => {
      const run = await state.startRun(pair.source, pair.target);
      expect(
        await state.claimEmails(run.id, [
          { email: 'a@x.test', sourceKey: '1' },
          { email: 'b@x.test', sourceKey: '2' },
          { email: 'a@x.test', sourceKey: '3' },
          { email: 'a@x.test', sourceKey: '1' },
        ]),
      ).toEqual([{ email: 'a@x.test', sourceKey: '3', owner: '1' }]);
      expect(await state.claimEmails(run.id, [{ email: 'b@x.test', sourceKey: '4' }, { email: 'b@x.test', sourceKey: '2' }, { email: 'c@x.test', sourceKey: '4' }])).toEqual([
        { email: 'b@x.test', sourceKey: '4', owner: '2' },
      ]);
      expect(await state.claimEmails(run.id, [])).toEqual([]);
      // Another run starts afresh.
      const other = await state.startRun(pair.source, pair.target);
      expect(await state.claimEmails(other.id, [{ email: 'a@x.test', sourceKey: '3' }])).toEqual([]);
    });

    it('replaces a snapshot atomically, in the order saved, without password hashes; a failed read keeps the old one', async () => {
      const customers = [...generateCustomers(1234, 7)];
      customers[0] = { ...customers[0], passwordHash: '$2y$10$abcdefghijklmnopqrstuv' };
      expect(await state.snapshotInfo('spiffy')).toBeUndefined();
      expect(await all(state.readSnapshot('spiffy'))).toEqual([]);
      expect(await state.saveSnapshot('spiffy', from(customers))).toBe(1234);
      const info = await state.snapshotInfo('spiffy');
      expect(info?.count).toBe(1234);
      expect(Date.parse(info!.takenAt)).not.toBeNaN();
      const read = await all(state.readSnapshot('spiffy'));
      expect(read).toEqual(customers.map(snapshotForm));
      expect(read[0].passwordHash).toMatch(/^sha256:[0-9a-f]{64}$/);

      await expect(state.saveSnapshot('spiffy', from(customers.slice(0, 10), 5))).rejects.toThrow('the source went away');
      expect((await state.snapshotInfo('spiffy'))?.count).toBe(1234);
      expect((await all(state.readSnapshot('spiffy'))).length).toBe(1234);

      expect(await state.saveSnapshot('spiffy', from(customers.slice(0, 3)))).toBe(3);
      expect((await all(state.readSnapshot('spiffy'))).map((c) => c.key)).toEqual(customers.slice(0, 3).map((c) => c.key));
      // Snapshots are per profile; an empty one is a snapshot too.
      expect(await state.saveSnapshot('cabinetry', from([]))).toBe(0);
      expect((await state.snapshotInfo('cabinetry'))?.count).toBe(0);
      expect((await all(state.readSnapshot('spiffy'))).length).toBe(3);
    });

    it('lets the caller write between the records of a snapshot it reads', async () => {
      const customers = [...generateCustomers(600, 3)];
      await state.saveSnapshot('old', from(customers));
      // diff --since-last reads the old snapshot while the run writes: neither waits for the other.
      const copied = await state.saveSnapshot('copy', state.readSnapshot('old'));
      expect(copied).toBe(600);
      expect((await all(state.readSnapshot('copy'))).map((c) => c.key)).toEqual(customers.map((c) => c.key));
    });

    it('stores and replaces bookmarks', async () => {
      expect(await state.getBookmark('migrate a → b')).toBeUndefined();
      const readStartedAt = new Date('2026-11-20T03:00:00.000Z');
      await state.setBookmark({ name: 'migrate a → b', scope: 'spiffy', readStartedAt, clock: 'server' });
      expect(await state.getBookmark('migrate a → b')).toMatchObject({ name: 'migrate a → b', scope: 'spiffy', readStartedAt, clock: 'server' });
      await state.setBookmark({ name: 'migrate a → b', scope: 'spiffy', readStartedAt: new Date('2026-11-21T03:00:00.000Z'), clock: 'local', savedAt: new Date('2026-11-21T03:05:00.000Z') });
      expect(await state.getBookmark('migrate a → b')).toEqual({
        name: 'migrate a → b',
        scope: 'spiffy',
        readStartedAt: new Date('2026-11-21T03:00:00.000Z'),
        clock: 'local',
        savedAt: new Date('2026-11-21T03:05:00.000Z'),
      });
    });

    it('keeps the run history for `runs`: command line (secrets redacted), how it stopped, outcomes, newest first', async () => {
      registerSecret('contract-secret-pw');
      const done = await state.startRun(pair.source, pair.target);
      await state.recordStart(done.id, ['migrate', '--from', 'a', '--state', 'postgres://u:contract-secret-pw@h/db'], '/srv/sync');
      await state.recordOutcomes(
        done.id,
        from([
          { key: 'k1', status: 'created', targetId: 'T1', email: 'a@x.test' },
          { key: 'k2', status: 'rejected', reason: 'bad email, token contract-secret-pw' },
        ]),
      );
      await state.finishRun(done.id, 'finished', counts({ read: 2, created: 1, rejected: 1 }));
      const failed = await state.startRun(pair.source, pair.target);
      await state.recordStart(failed.id, ['migrate', '--from', 'a', '--to', 'b'], '/srv/sync');
      await state.recordStop(failed.id, 'failed', 'the target answered 503');
      await state.finishRun(failed.id, 'unfinished', counts({ read: 1, failed: 1 }));

      const runs = await state.listRuns(10);
      expect(runs.map((run) => run.id)).toEqual([failed.id, done.id]);
      expect(runs[1]).toMatchObject({ id: done.id, state: 'done', command: 'migrate', cwd: '/srv/sync', pid: process.pid, host: hostname(), counts: { read: 2, created: 1, rejected: 1 } });
      expect(JSON.stringify(runs)).not.toContain('contract-secret-pw');
      expect(runs[0]).toMatchObject({ state: 'failed', error: 'the target answered 503' });
      expect(runs[0].resume).toContain('--resume');
      expect(await state.listRuns(1)).toHaveLength(1);
      expect(await state.runInfo(done.id)).toEqual(runs[1]);
      expect(await state.runInfo(9999)).toBeUndefined();

      const records = await all(state.runRecords(runs[1]));
      expect(records).toEqual([
        { key: 'k1', status: 'created', targetId: 'T1', email: 'a@x.test' },
        { key: 'k2', status: 'rejected', reason: 'bad email, token ***' },
      ]);
      // A second attempt of the run replaces the outcomes of the first.
      await state.recordOutcomes(done.id, from([{ key: 'k9', status: 'unchanged' }]));
      expect(await all(state.runRecords(runs[1]))).toEqual([{ key: 'k9', status: 'unchanged' }]);
    });

    it('a run killed before it wrote its outcomes shows what the state knows: confirmed records, then those in flight', async () => {
      const run = await state.startRun(pair.source, pair.target);
      await state.markPending(pair, run.id, ['k1', 'k2', 'k3']);
      await state.commitBatch({ id: run.id, ...pair }, [{ kind: 'done', sourceKey: 'k2', targetId: 'T2', hash: 'h', status: 'created' }], counts({ read: 1, created: 1 }));
      const records = await all(state.runRecords({ id: run.id, ...pair }));
      expect(records.map((r) => [r.key, r.status])).toEqual([
        ['k2', 'created'],
        ['k1', 'in flight'],
        ['k3', 'in flight'],
      ]);
    });

    it('shows a "cannot hold" note once per pair and digest', async () => {
      expect(await state.firstShowing('a', 'b', 'd1')).toBe(true);
      expect(await state.firstShowing('a', 'b', 'd1')).toBe(false);
      expect(await state.firstShowing('a', 'c', 'd1')).toBe(true);
      expect(await state.firstShowing('a', 'b', 'd2')).toBe(true);
      expect(await state.firstShowing('a', 'b', 'd2')).toBe(false);
    });

    it('keeps every write once the promise resolved: a store opened later reads it', async () => {
      const run = await state.startRun(pair.source, pair.target);
      await state.commitBatch({ id: run.id, ...pair }, [{ kind: 'done', sourceKey: 'k', targetId: 'T', hash: 'h', status: 'created' }], counts({ read: 1, created: 1 }));
      await state.setBookmark({ name: 'b', scope: 's', readStartedAt: new Date(0), clock: 'local' });
      await state.close();
      const later = (await open())!;
      expect((await later.lookup(pair, ['k'])).get('k')?.known?.targetId).toBe('T');
      expect((await later.getRun(run.id))?.counts.created).toBe(1);
      expect(await later.getBookmark('b')).toBeDefined();
    });

    it('opened to read, finds nothing where there is no state yet, creates nothing, and refuses writes', async () => {
      const fresh = await create();
      try {
        expect(await openState(fresh.spec, { access: 'read' })).toBeUndefined();
        expect(await openState(fresh.spec, { access: 'existing' })).toBeUndefined();
        expect(await openState(fresh.spec, { access: 'read' })).toBeUndefined();
      } finally {
        await fresh.dispose();
      }
      const run = await state.startRun(pair.source, pair.target);
      const reader = (await open({ access: 'read' }))!;
      expect(reader.readonly).toBe(true);
      expect((await reader.getRun(run.id))?.id).toBe(run.id);
      await expect(reader.startRun(pair.source, pair.target)).rejects.toThrow(BugError);
      await expect(reader.lock('migrate a → b', 'migrate')).rejects.toThrow(BugError);
    });

    it('refuses a scope whose lock a live process holds, naming it; other scopes are free; takes a killed one over', async () => {
      const holder = await lockHolder(under.spec, 'migrate a → b');
      try {
        const refused = await state.lock('migrate a → b', 'migrate').catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(LockedError);
        expect((refused as LockedError).message).toContain(`migrate (pid ${holder.pid} on ${hostname()}, started `);
        const other = await state.lock('migrate a → c', 'migrate');
        expect(other.tookOver).toBeUndefined();
        await other.release();
      } finally {
        await holder.kill();
      }
      const lock = await state.lock('migrate a → b', 'diff --since-last');
      expect(lock.tookOver).toMatchObject({ pid: holder.pid, host: hostname(), command: 'migrate' });
      expect(lock.owner).toMatchObject({ pid: process.pid, host: hostname(), command: 'diff --since-last' });
      await lock.release();
      await lock.release();
    });

    it('a released lock is free for the next run, which takes nothing over', async () => {
      const first = await state.lock('snapshot spiffy', 'diff --since-last');
      await first.release();
      const again = await state.lock('snapshot spiffy', 'diff --since-last');
      expect(again.tookOver).toBeUndefined();
      // Closing the store lets go of the locks it still holds.
      await state.close();
      const other = (await open())!;
      expect((await other.lock('snapshot spiffy', 'diff --since-last')).tookOver).toBeUndefined();
    });
  });
}
