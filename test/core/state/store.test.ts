import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Customer } from '../../../src/core/customer.js';
import { UserError } from '../../../src/core/errors.js';
import { snapshotForm, StateStore } from '../../../src/core/state/store.js';
import { emptyCounts } from '../../../src/core/summary.js';
import { generateCustomers } from '../../../src/emulator/generator.js';
import { tempDir } from '../../helpers/cli.js';

let dir: string;
let store: StateStore;
beforeEach(() => {
  dir = join(tempDir(), 'nested', 'state');
  store = new StateStore(dir);
});
afterEach(() => store.close());

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

  it('names the directory when it cannot be opened', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'x');
    expect(() => new StateStore(join(file, 'state'))).toThrow(UserError);
    expect(() => new StateStore(join(file, 'state'))).toThrow(/cannot open the state database .*a-file/);
  });

  it('tracks runs: start, unfinished, resume, finish, abandon', () => {
    const run = store.startRun('a', 'b');
    expect(run).toMatchObject({ source: 'a', target: 'b', status: 'running' });
    expect(store.lastUnfinishedRun('a', 'b')?.id).toBe(run.id);
    store.finishRun(run.id, 'unfinished', { ...emptyCounts(), read: 3, created: 2, failed: 1 });
    expect(store.lastUnfinishedRun('a', 'b')).toMatchObject({ id: run.id, status: 'unfinished', counts: { read: 3, created: 2, failed: 1 } });
    expect(store.lastUnfinishedRun('a', 'c')).toBeUndefined();
    expect(store.resumeRun(run.id).status).toBe('running');
    store.finishRun(run.id, 'finished', emptyCounts());
    expect(store.lastUnfinishedRun('a', 'b')).toBeUndefined();
    expect(store.getRun(run.id)?.finishedAt).toBeDefined();
    const other = store.startRun('a', 'b');
    store.abandonRun(other.id);
    expect(store.lastUnfinishedRun('a', 'b')).toBeUndefined();
    expect(store.lastRun('a', 'b')?.status).toBe('abandoned');
  });

  it('commits confirmations with their checkpoint in one transaction and clears in-flight marks', () => {
    const run = store.startRun('a', 'b');
    store.markPending('a', 'k1', 'b', run.id);
    store.markPending('a', 'k2', 'b', run.id);
    store.markPending('a', 'k3', 'b', run.id);
    expect(store.countPending('a', 'b')).toBe(3);
    store.commitBatch({ id: run.id, source: 'a', target: 'b' }, [
      { kind: 'done', sourceKey: 'k1', targetId: 'T1', hash: 'h1', status: 'created' },
      { kind: 'refused', sourceKey: 'k2' },
    ], { ...emptyCounts(), read: 2, created: 1, rejected: 1 });
    expect(store.getCrosswalk('a', 'k1', 'b')).toMatchObject({ targetId: 'T1', hash: 'h1', runId: run.id, status: 'created' });
    expect(store.getCrosswalk('a', 'k2', 'b')).toBeUndefined();
    expect(store.getPending('a', 'k3', 'b')).toEqual({ sourceKey: 'k3', runId: run.id });
    expect(store.countPending('a', 'b')).toBe(1);
    expect(store.lastCheckpoint(run.id)).toMatchObject({ seq: 1, confirmed: 1, lastKey: 'k2' });
    expect(store.getRun(run.id)?.counts).toMatchObject({ read: 2, created: 1, rejected: 1 });

    // An answer without an id keeps the id the crosswalk has.
    store.commitBatch({ id: run.id, source: 'a', target: 'b' }, [{ kind: 'done', sourceKey: 'k1', hash: 'h2', status: 'updated' }], emptyCounts());
    expect(store.getCrosswalk('a', 'k1', 'b')).toMatchObject({ targetId: 'T1', hash: 'h2', status: 'updated' });
    expect(store.lastCheckpoint(run.id)).toMatchObject({ seq: 2, confirmed: 2 });
  });

  it('rolls a batch back whole when one statement fails', () => {
    const run = store.startRun('a', 'b');
    expect(() =>
      store.commitBatch({ id: run.id, source: 'a', target: 'b' }, [
        { kind: 'done', sourceKey: 'k1', targetId: 'T1', hash: 'h1', status: 'created' },
        { kind: 'done', sourceKey: 'k2', hash: null as unknown as string, status: 'created' },
      ], emptyCounts()),
    ).toThrow();
    expect(store.getCrosswalk('a', 'k1', 'b')).toBeUndefined();
    expect(store.lastCheckpoint(run.id)).toBeUndefined();
  });

  it('survives a reopen: what was committed is there', () => {
    const run = store.startRun('a', 'b');
    store.commitBatch({ id: run.id, source: 'a', target: 'b' }, [{ kind: 'done', sourceKey: 'k', targetId: '9', hash: 'h', status: 'created' }], emptyCounts());
    store.close();
    store = new StateStore(dir);
    expect(store.getCrosswalk('a', 'k', 'b')?.targetId).toBe('9');
    expect(store.lastUnfinishedRun('a', 'b')?.id).toBe(run.id);
  });

  it('saves, reads and replaces snapshots atomically', async () => {
    expect(store.hasSnapshot('shop')).toBe(false);
    const first = [...generateCustomers(1200, 2)];
    expect(await store.saveSnapshot('shop', from(first))).toBe(1200);
    expect(store.hasSnapshot('shop')).toBe(true);
    expect(store.snapshotInfo('shop')?.count).toBe(1200);
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
    expect(store.hasSnapshot('other')).toBe(false);

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
