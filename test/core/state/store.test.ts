import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Customer } from '../../../src/core/customer.js';
import { UserError } from '../../../src/core/errors.js';
import type { StateBackend } from '../../../src/core/state/backend.js';
import { openState } from '../../../src/core/state/open.js';
import { snapshotForm } from '../../../src/core/state/snapshot-form.js';
import { emptyCounts } from '../../../src/core/summary.js';
import { generateCustomers } from '../../../src/emulator/generator.js';
import { tempDir } from '../../helpers/cli.js';

let dir: string;
let store: StateBackend;
beforeEach(async () => {
  dir = join(tempDir(), 'nested', 'state');
  store = await openState(dir);
});
afterEach(() => store.close());

const one = async (key: string) => (await store.lookup({ source: 'a', target: 'b' }, [key])).get(key) ?? {};

async function* from(records: Iterable<Customer>): AsyncGenerator<Customer> {
  yield* records;
}

describe('state store', () => {
  it('creates state.db in WAL mode under a new directory', () => {
    expect(existsSync(join(dir, 'state.db'))).toBe(true);
    const db = new Database(join(dir, 'state.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('names the directory when it cannot be opened', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'x');
    await expect(openState(join(file, 'state'))).rejects.toThrow(UserError);
    await expect(openState(join(file, 'state'))).rejects.toThrow(/cannot open the state database .*a-file/);
  });

  it('tracks runs: start, unfinished, resume, finish, abandon', async () => {
    const run = await store.startRun('a', 'b');
    expect(run).toMatchObject({ source: 'a', target: 'b', status: 'running' });
    expect((await store.lastUnfinishedRun('a', 'b'))?.id).toBe(run.id);
    await store.finishRun(run.id, 'unfinished', { ...emptyCounts(), read: 3, created: 2, failed: 1 });
    expect(await store.lastUnfinishedRun('a', 'b')).toMatchObject({ id: run.id, status: 'unfinished', counts: { read: 3, created: 2, failed: 1 } });
    expect(await store.lastUnfinishedRun('a', 'c')).toBeUndefined();
    expect((await store.resumeRun(run.id)).status).toBe('running');
    await store.finishRun(run.id, 'finished', emptyCounts());
    expect(await store.lastUnfinishedRun('a', 'b')).toBeUndefined();
    expect((await store.getRun(run.id))?.finishedAt).toBeDefined();
    const other = await store.startRun('a', 'b');
    await store.abandonRun(other.id);
    expect(await store.lastUnfinishedRun('a', 'b')).toBeUndefined();
    expect((await store.lastRun('a', 'b'))?.status).toBe('abandoned');
  });

  it('commits confirmations with their checkpoint in one transaction and clears in-flight marks', async () => {
    const run = await store.startRun('a', 'b');
    await store.markPending({ source: 'a', target: 'b' }, run.id, ['k1', 'k2']);
    await store.markPending({ source: 'a', target: 'b' }, run.id, ['k3']);
    expect(await store.countPending('a', 'b')).toBe(3);
    await store.commitBatch({ id: run.id, source: 'a', target: 'b' }, [
      { kind: 'done', sourceKey: 'k1', targetId: 'T1', hash: 'h1', status: 'created' },
      { kind: 'refused', sourceKey: 'k2' },
    ], { ...emptyCounts(), read: 2, created: 1, rejected: 1 });
    expect((await one('k1')).known).toMatchObject({ targetId: 'T1', hash: 'h1', runId: run.id, status: 'created' });
    expect((await one('k2')).known).toBeUndefined();
    expect((await one('k3')).pending).toEqual({ sourceKey: 'k3', runId: run.id });
    expect(await store.countPending('a', 'b')).toBe(1);
    expect(await store.lastCheckpoint(run.id)).toMatchObject({ seq: 1, confirmed: 1, lastKey: 'k2' });
    expect((await store.getRun(run.id))?.counts).toMatchObject({ read: 2, created: 1, rejected: 1 });

    // An answer without an id keeps the id the crosswalk has.
    await store.commitBatch({ id: run.id, source: 'a', target: 'b' }, [{ kind: 'done', sourceKey: 'k1', hash: 'h2', status: 'updated' }], emptyCounts());
    expect((await one('k1')).known).toMatchObject({ targetId: 'T1', hash: 'h2', status: 'updated' });
    expect(await store.lastCheckpoint(run.id)).toMatchObject({ seq: 2, confirmed: 2 });
  });

  it('rolls a batch back whole when one statement fails', async () => {
    const run = await store.startRun('a', 'b');
    await expect(
      store.commitBatch({ id: run.id, source: 'a', target: 'b' }, [
        { kind: 'done', sourceKey: 'k1', targetId: 'T1', hash: 'h1', status: 'created' },
        { kind: 'done', sourceKey: 'k2', hash: null as unknown as string, status: 'created' },
      ], emptyCounts()),
    ).rejects.toThrow();
    expect((await one('k1')).known).toBeUndefined();
    expect(await store.lastCheckpoint(run.id)).toBeUndefined();
  });

  it('survives a reopen: what was committed is there', async () => {
    const run = await store.startRun('a', 'b');
    await store.commitBatch({ id: run.id, source: 'a', target: 'b' }, [{ kind: 'done', sourceKey: 'k', targetId: '9', hash: 'h', status: 'created' }], emptyCounts());
    await store.close();
    store = await openState(dir);
    expect((await one('k')).known?.targetId).toBe('9');
    expect((await store.lastUnfinishedRun('a', 'b'))?.id).toBe(run.id);
  });

  it('saves, reads and replaces snapshots atomically', async () => {
    expect(await store.snapshotInfo('shop')).toBeUndefined();
    const first = [...generateCustomers(1200, 2)];
    expect(await store.saveSnapshot('shop', from(first))).toBe(1200);
        expect((await store.snapshotInfo('shop'))?.count).toBe(1200);
    const read: Customer[] = [];
    for await (const record of store.readSnapshot('shop')) read.push(record);
    expect(read).toEqual(first);

    // A failure while the new records stream in leaves the old snapshot whole.
    async function* broken(): AsyncGenerator<Customer> {
      yield first[0];
      throw new Error('source died');
    }
    await expect(store.saveSnapshot('shop', broken())).rejects.toThrow('source died');
    let count = 0;
    for await (const record of store.readSnapshot('shop')) count += record ? 1 : 0;
    expect(count).toBe(1200);

    await store.saveSnapshot('shop', from(first.slice(0, 3)));
    const replaced: string[] = [];
    for await (const record of store.readSnapshot('shop')) replaced.push(record.key);
    expect(replaced).toEqual(first.slice(0, 3).map((r) => r.key));
    expect(await store.snapshotInfo('other')).toBeUndefined();

    // No password hash is stored, only a digest that still changes when the hash does.
    await store.saveSnapshot('pw', from([{ ...first[0], passwordHash: '$2y$10$secret' }]));
    for await (const record of store.readSnapshot('pw')) {
      expect(record.passwordHash).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(record).toEqual(snapshotForm({ ...first[0], passwordHash: '$2y$10$secret' }));
    }
    for (const name of ['state.db', 'state.db-wal']) {
      if (existsSync(join(dir, name))) expect(readFileSync(join(dir, name)).includes('$2y$10$secret')).toBe(false);
    }
    for await (const record of store.readSnapshot('other')) throw new Error(`unexpected ${record.key}`);
  });
});

describe('state store: batched calls', () => {
  it('looks up many keys in one call, and names only what it knows', async () => {
    const run = await store.startRun('a', 'b');
    const pair = { source: 'a', target: 'b' };
    await store.markPending(pair, run.id, ['p1', 'p2']);
    await store.commitBatch({ id: run.id, ...pair }, [{ kind: 'done', sourceKey: 'p1', targetId: 'T', hash: 'h', status: 'created' }], emptyCounts());
    const keys = Array.from({ length: 1200 }, (_, i) => `x${i}`).concat(['p1', 'p2']);
    const found = await store.lookup(pair, keys);
    expect([...found.keys()].sort()).toEqual(['p1', 'p2']);
    expect(found.get('p1')).toEqual({ known: expect.objectContaining({ targetId: 'T' }) });
    expect(found.get('p2')).toEqual({ pending: { sourceKey: 'p2', runId: run.id } });
    // Another pair knows nothing of them.
    expect((await store.lookup({ source: 'a', target: 'c' }, ['p1', 'p2'])).size).toBe(0);
  });

  it('claims emails in order and returns only the conflicts, across calls, per run', async () => {
    const run = await store.startRun('a', 'b');
    expect(
      await store.claimEmails(run.id, [
        { email: 'x@example.com', sourceKey: '1' },
        { email: 'y@example.com', sourceKey: '2' },
        { email: 'x@example.com', sourceKey: '3' },
        { email: 'x@example.com', sourceKey: '1' },
      ]),
    ).toEqual([{ email: 'x@example.com', sourceKey: '3', owner: '1' }]);
    expect(await store.claimEmails(run.id, [{ email: 'y@example.com', sourceKey: '4' }])).toEqual([{ email: 'y@example.com', sourceKey: '4', owner: '2' }]);
    const other = await store.startRun('a', 'b');
    expect(await store.claimEmails(other.id, [{ email: 'y@example.com', sourceKey: '4' }])).toEqual([]);
  });

  it('opened to read: nothing when there is no state, no writes, and an older database without tables reads as empty', async () => {
    const missing = join(tempDir(), 'none');
    expect(await openState(missing, { access: 'read' })).toBeUndefined();
    expect(existsSync(missing)).toBe(false);
    const reader = (await openState(dir, { access: 'read' }))!;
    try {
      await expect(reader.startRun('a', 'b')).rejects.toThrow('read-only');
      expect(await reader.listRuns(10)).toEqual([]);
    } finally {
      await reader.close();
    }
    const bare = join(tempDir(), 'bare');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(bare);
    new Database(join(bare, 'state.db')).close();
    const old = (await openState(bare, { access: 'read' }))!;
    try {
      expect(await old.lastUnfinishedRun('a', 'b')).toBeUndefined();
      expect((await old.lookup({ source: 'a', target: 'b' }, ['k'])).size).toBe(0);
      expect(await old.getBookmark('x')).toBeUndefined();
      expect(await old.listRuns(5)).toEqual([]);
    } finally {
      await old.close();
    }
  });

  it('a postgres:// state is refused in this build, naming it', async () => {
    await expect(openState('postgres://user@localhost/custsync')).rejects.toThrow('PostgreSQL state is not available in this build');
    await expect(openState('postgresql://localhost/x', { access: 'read' })).rejects.toThrow(UserError);
  });
});
