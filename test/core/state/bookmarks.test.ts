import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteBookmarks } from '../../../src/core/state/bookmarks.js';
import { StateStore } from '../../../src/core/state/store.js';
import { tempDir } from '../../helpers/cli.js';

describe('bookmarks in the state database', () => {
  it('stores, replaces and reads back a bookmark, beside the rest of the state', async () => {
    const dir = tempDir();
    new StateStore(dir).close();
    const bookmarks = SqliteBookmarks.open(dir);
    expect(await bookmarks.get('migrate a → b')).toBeUndefined();
    await bookmarks.set({ name: 'migrate a → b', scope: 'a', readStartedAt: new Date('2026-11-25T03:00:00Z'), clock: 'server' });
    await bookmarks.set({ name: 'migrate a → b', scope: 'a', readStartedAt: new Date('2026-11-26T03:00:00Z'), clock: 'local' });
    await bookmarks.close();
    const again = SqliteBookmarks.open(dir);
    expect(await again.get('migrate a → b')).toMatchObject({ scope: 'a', readStartedAt: new Date('2026-11-26T03:00:00Z'), clock: 'local' });
    await again.close();
    // The store that owns the other tables still opens the database.
    new StateStore(dir).close();
  });

  it('read-only (dry runs): finds none where there is no database, creates nothing, stores nothing', async () => {
    const dir = join(tempDir(), 'state');
    const reader = SqliteBookmarks.read(dir);
    expect(await reader.get('x')).toBeUndefined();
    await expect(reader.set({ name: 'x', scope: 'y', readStartedAt: new Date(), clock: 'server' })).rejects.toThrow('cannot store');
    await reader.close();
    expect(existsSync(dir)).toBe(false);
    // A database without the bookmarks table (older state) has none either.
    new StateStore(dir).close();
    const older = SqliteBookmarks.read(dir);
    expect(await older.get('x')).toBeUndefined();
    await older.close();
  });
});
