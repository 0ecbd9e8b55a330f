import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Customer } from '../../../src/core/customer.js';
import type { Dialect, WriteResult } from '../../../src/core/dialect.js';
import { parseMapping } from '../../../src/core/mapping-file/index.js';
import { migrate, type MigrateEndpoint, type MigrateOptions } from '../../../src/core/migrate/pipeline.js';
import type { Confirmation, StateBackend } from '../../../src/core/state/backend.js';
import { openState } from '../../../src/core/state/open.js';
import { mapUnordered } from '../../../src/core/concurrent.js';
import { generateCustomer, generateCustomers } from '../../../src/emulator/generator.js';
import { silentLogger } from '../../../src/ui/logger.js';
import { tempDir } from '../../helpers/cli.js';
import { arrayDialect, loopbackContext, loopbackDialect, startLoopbackStore, type LoopbackStore } from '../../helpers/loopback-dialect.js';

let store: LoopbackStore;
let state: StateBackend;
let source: Customer[];

function endpoints(options: { upsert?: boolean; batchSize?: number; records?: () => Iterable<Customer> } = {}): { source: MigrateEndpoint; target: MigrateEndpoint } {
  const ctx = loopbackContext(store);
  return {
    source: { dialect: arrayDialect(options.records ?? (() => source)), ctx: { ...ctx, profileName: 'src' }, label: 'src', stateId: 'src' },
    target: { dialect: loopbackDialect({ upsert: options.upsert, batchSize: options.batchSize }), ctx, label: 'dst', stateId: `dst ${store.server.url}` },
  };
}

async function run(extra: Partial<MigrateOptions> & { upsert?: boolean; batchSize?: number } = {}) {
  const { upsert, batchSize, ...rest } = extra;
  const problems: WriteResult[] = [];
  const result = await migrate({ ...endpoints({ upsert, batchSize }), state, log: silentLogger, onProblem: async (p) => void problems.push(p), ...rest });
  const outcomes = [];
  for await (const outcome of result.outcomes.read()) outcomes.push(outcome);
  await result.outcomes.dispose();
  return { ...result, problems, records: outcomes };
}

const writes = () => store.server.stats().writes;
const everyoneOnce = () => {
  expect(store.creates.size).toBe(source.length);
  expect([...store.creates.values()].every((n) => n === 1)).toBe(true);
};

beforeEach(async () => {
  store = await startLoopbackStore();
  state = await openState(tempDir());
  source = [...generateCustomers(60, 3)];
});
afterEach(async () => {
  await state.close();
  await store.server.close();
});

describe('migrate pipeline', () => {
  it('sends every record once, then a re-run with no changes sends nothing', async () => {
    const first = await run();
    expect(first.error).toBeUndefined();
    expect(first.counts).toMatchObject({ read: 60, created: 60, unchanged: 0 });
    expect(first.run?.status).toBe('finished');
    everyoneOnce();
    expect(first.records.every((r) => r.targetId?.startsWith('T'))).toBe(true);

    const before = writes();
    const second = await run();
    expect(second.counts).toMatchObject({ read: 60, created: 0, updated: 0, unchanged: 60 });
    expect(writes()).toBe(before);
    expect(second.records[0].targetId).toBe(first.records.find((r) => r.key === second.records[0].key)?.targetId);
  });

  it('refuses a source record whose email another source record already has, so neither overwrites the other', async () => {
    source[7] = { ...source[7], email: source[2].email!.toUpperCase() };
    const first = await run();
    expect(first.counts).toMatchObject({ read: 60, created: 59, rejected: 1 });
    expect(first.problems.map((p) => [p.key, p.reason])).toEqual([[source[7].key, expect.stringContaining(`is also on source key ${source[2].key}`)]]);
    expect(store.creates.size).toBe(59);
    // The same records again: the first keeps its email, the second is refused again.
    const second = await run();
    expect(second.counts).toMatchObject({ read: 60, unchanged: 59, rejected: 1 });
  });

  it('a re-run after source changes sends only the changed records', async () => {
    await run({ upsert: true });
    source[5] = { ...source[5], note: 'changed' };
    source[9] = { ...source[9], firstName: 'Zed' };
    const before = writes();
    const again = await run({ upsert: true });
    expect(again.counts).toMatchObject({ read: 60, updated: 2, unchanged: 58, created: 0 });
    expect(writes() - before).toBe(2);
    everyoneOnce();
  });

  it('a dry run sends nothing and counts per outcome; previews are masked by the caller', async () => {
    await run({ upsert: true });
    source[1] = { ...source[1], note: 'changed' };
    source.push(generateCustomer(500, 3));
    const before = writes();
    const previews: unknown[] = [];
    const dry = await run({ dryRun: true, previews: 2, onPreview: (_r, payload) => previews.push(payload) });
    expect(writes()).toBe(before);
    expect(dry.counts).toMatchObject({ read: 61, unchanged: 59, updated: 1, created: 1 });
    expect(previews).toHaveLength(2);
    expect(dry.run).toBeUndefined();
  });

  it('a failure after the target stored a batch stops the run unfinished; --resume creates nobody twice', async () => {
    store.dropAfterCreates = 25;
    const first = await run({ batchSize: 10 });
    expect(first.error).toBeDefined();
    expect(first.run?.status).toBe('unfinished');
    expect(first.counts.read).toBe(first.counts.created + first.counts.updated + first.counts.unchanged + first.counts.rejected + first.counts.failed);
    expect(store.rows.length).toBe(30);
    expect(first.counts.created).toBe(20);

    const resumed = await run({ resume: true, batchSize: 10 });
    expect(resumed.error).toBeUndefined();
    expect(resumed.resumed).toBe(true);
    expect(resumed.run?.id).toBe(first.run?.id);
    expect(resumed.run?.status).toBe('finished');
    // The 10 of the failed batch were matched on the target; the 20 confirmed before are kept as created.
    expect(resumed.records.filter((r) => r.matched)).toHaveLength(10);
    expect(resumed.counts).toMatchObject({ read: 60, created: 60 });
    everyoneOnce();
  });

  it('on a target whose upsert matches, --resume sends found in-flight records again to complete them', async () => {
    store.dropAfterCreates = 25;
    const first = await run({ batchSize: 10, upsert: true });
    expect(first.run?.status).toBe('unfinished');
    const before = writes();
    const resumed = await run({ resume: true, batchSize: 10, upsert: true });
    expect(resumed.error).toBeUndefined();
    // Everything marked in flight and not confirmed is sent again: the 10 stored but unconfirmed are
    // updated on the target (a write that stopped half-way is completed), not skipped. The whole run
    // reports each record once, with what happened to it first: created.
    const matched = resumed.records.filter((r) => r.matched);
    expect(matched.length).toBeGreaterThanOrEqual(10);
    expect(matched.length).toBeLessThanOrEqual(40);
    expect(matched.every((r) => r.status === 'created')).toBe(true);
    expect(resumed.counts).toMatchObject({ read: 60, created: 60, updated: 0, failed: 0 });
    expect(writes() - before).toBeGreaterThanOrEqual(10);
    everyoneOnce();
  });

  it('into a target that answers one record at a time, commits wait for as many answers as requests in flight', async () => {
    const concurrency = 4;
    // Answers come one by one, a few ms apart, as from a target without a batch endpoint.
    const oneByOne: Dialect = {
      ...loopbackDialect(),
      write: (_ctx, records) =>
        mapUnordered(records, concurrency, async (record): Promise<WriteResult> => {
          await new Promise((resolve) => setTimeout(resolve, 3));
          return { status: 'created', key: record.key, id: `T${record.key}`, record };
        }),
    };
    const sizes: number[] = [];
    const original = state.commitBatch.bind(state);
    state.commitBatch = async (run, items: readonly Confirmation[], counts) => {
      sizes.push(items.length);
      await original(run, items, counts);
    };
    const { source: from } = endpoints();
    const ctx = { ...loopbackContext(store), concurrency };
    // No commit for time alone (a slow machine would otherwise commit a lone answer): what is asserted is the count rule.
    const commitEvery = { results: 200, ms: 60_000 };
    const result = await migrate({ source: from, target: { dialect: oneByOne, ctx, label: 'dst', stateId: 'one-by-one' }, state, log: silentLogger, commitEvery });
    expect(result.counts).toMatchObject({ read: 60, created: 60 });
    expect(await state.countCrosswalk('src', 'one-by-one')).toBe(60);
    expect(await state.countPending('src', 'one-by-one')).toBe(0);
    // A commit for every answer would be 60 commits of one; a kill now loses fewer than `concurrency` confirmations.
    expect(sizes.slice(0, -1).every((n) => n >= concurrency)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(60);
  });

  it('a kill before confirmations were committed loses nothing and duplicates nothing', async () => {
    // The store drops every commit after the first: as if the process died with results only in memory.
    let commits = 0;
    const original = state.commitBatch.bind(state);
    state.commitBatch = async (run, items: readonly Confirmation[], counts) => {
      commits += 1;
      if (commits === 1) await original(run, items, counts);
    };
    const controller = new AbortController();
    const first = await run({
      batchSize: 10,
      commitEvery: { results: 10, ms: 60_000 },
      signal: controller.signal,
      onProgress: (p) => {
        if (p.counts.created >= 35) controller.abort();
      },
    });
    expect(first.error).toBeDefined();
    state.commitBatch = original;
    const crosswalked = await state.countCrosswalk('src', `dst ${store.server.url}`);
    expect(crosswalked).toBe(10);
    expect(await state.countPending('src', `dst ${store.server.url}`)).toBeGreaterThan(0);

    const before = writes();
    const stored = store.rows.length;
    expect(stored).toBeGreaterThan(crosswalked);
    const resumed = await run({ resume: true, batchSize: 10 });
    expect(resumed.error).toBeUndefined();
    everyoneOnce();
    // Stored but unconfirmed records were matched (reads only); only the rest was sent, one batch request per 10.
    expect(resumed.records.filter((r) => r.matched)).toHaveLength(stored - crosswalked);
    expect(writes() - before).toBe(Math.ceil((60 - stored) / 10));
    expect(await state.countPending('src', `dst ${store.server.url}`)).toBe(0);
  });

  it('rejections from the target and from the mapping go to onProblem and the counts add up', async () => {
    source[0] = { ...source[0], email: 'refuse@example.com', firstName: undefined };
    // A first name is no ISO 639-1 code: the mapping fails for each record that has one.
    const mapping = parseMapping(JSON.stringify({ rules: [{ op: 'rename', from: 'firstName', to: 'language' }] }), 'm.json');
    const result = await run({ mapping });
    const c = result.counts;
    expect(c.read).toBe(60);
    expect(c.read).toBe(c.created + c.updated + c.unchanged + c.rejected + c.failed);
    expect(result.problems.some((p) => p.reason === 'email is not allowed')).toBe(true);
    expect(result.problems.some((p) => /language/.test(p.reason ?? ''))).toBe(true);
    expect(c.rejected).toBe(result.problems.length);
    // Rejected records are not pending: a re-run sends them again (they may have been fixed).
    expect(await state.countPending('src', `dst ${store.server.url}`)).toBe(0);
  });

  it('lists fields the target cannot hold and customers who need a password', async () => {
    source[2] = { ...source[2], passwordHash: '$2y$10$abc' };
    const ctx = loopbackContext(store);
    const projecting: Dialect = { ...loopbackDialect(), project: (record) => ({ ...record, note: undefined }) };
    const withNotes = source.filter((r) => r.note !== undefined).length;
    const result = await migrate({
      source: endpoints().source,
      target: { dialect: projecting, ctx, label: 'dst', stateId: 'dst2' },
      state,
      log: silentLogger,
    });
    expect(result.lostFields.get('note')).toBe(withNotes);
    expect(result.passwordResets).toBe(1);
    await result.outcomes.dispose();
  });
});
