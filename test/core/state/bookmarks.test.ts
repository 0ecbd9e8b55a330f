import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bookmarksOf, openState } from '../../../src/core/state/open.js';
import { tempDir } from '../../helpers/cli.js';

describe('bookmarks in the state database', () => {
  it('stores, replaces and reads back a bookmark, beside the rest of the state', async () => {
    const dir = tempDir();
    const state = await openState(dir);
    expect(await state.getBookmark('migrate a → b')).toBeUndefined();
    await state.setBookmark({ name: 'migrate a → b', scope: 'a', readStartedAt: new Date('2026-11-25T03:00:00Z'), clock: 'server' });
    await bookmarksOf(state).set({ name: 'migrate a → b', scope: 'a', readStartedAt: new Date('2026-11-26T03:00:00Z'), clock: 'local' });
    await state.close();
    const again = await openState(dir);
    expect(await bookmarksOf(again).get('migrate a → b')).toMatchObject({ scope: 'a', readStartedAt: new Date('2026-11-26T03:00:00Z'), clock: 'local' });
    await again.close();
  });

  it('read-only (dry runs): finds none where there is no database, creates nothing, stores nothing', async () => {
    const dir = join(tempDir(), 'state');
    expect(await openState(dir, { access: 'read' })).toBeUndefined();
    const none = bookmarksOf(undefined);
    expect(await none.get('x')).toBeUndefined();
    await expect(none.set({ name: 'x', scope: 'y', readStartedAt: new Date(), clock: 'server' })).rejects.toThrow('cannot store');
    expect(existsSync(dir)).toBe(false);
    await (await openState(dir)).close();
    const reader = (await openState(dir, { access: 'read' }))!;
    expect(await reader.getBookmark('x')).toBeUndefined();
    await expect(reader.setBookmark({ name: 'x', scope: 'y', readStartedAt: new Date(), clock: 'server' })).rejects.toThrow('cannot store');
    await reader.close();
  });
});
