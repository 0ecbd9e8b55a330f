import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { checkReadFlags, markReadStart, planRead, readStartedAt, saveBookmark, type ReadFlags } from '../../src/core/incremental.js';
import type { Bookmark, BookmarkStore } from '../../src/core/state/bookmarks.js';
import { silentLogger, type Logger } from '../../src/ui/logger.js';

/** Bookmarks in memory, as a second backend would keep them. */
function memoryBookmarks(initial: Bookmark[] = []): BookmarkStore & { all: Map<string, Bookmark> } {
  const all = new Map(initial.map((b) => [b.name, b]));
  return {
    all,
    get: async (name) => all.get(name),
    set: async (bookmark) => void all.set(bookmark.name, bookmark),
    close: async () => undefined,
  };
}

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { ...silentLogger, info: (line: string) => lines.push(line), warn: (line: string) => lines.push(`warning: ${line}`), lines };
}

const spiffy = { dialect: { id: 'spiffy', changeFilter: 'updated_at_min' }, label: 'shop' };
const cabinetry = { dialect: { id: 'cabinetry' }, label: 'cab' };
const none: ReadFlags = { where: [] };

describe('which records a run reads', () => {
  it('incremental: from the bookmark minus the lookback, through the change filter', async () => {
    const bookmarks = memoryBookmarks([{ name: 'pair', scope: 'shop', readStartedAt: new Date('2026-11-25T03:00:00Z'), clock: 'server' }]);
    const plan = await planRead({ flags: { ...none, incremental: true }, bookmarks, name: 'pair', scope: 'shop', source: spiffy, command: 'migrate', log: silentLogger });
    expect(plan.query).toEqual({ where: [], since: new Date('2026-11-25T02:50:00Z') });
    expect(plan.mode).toBe('incremental since 2026-11-25T02:50:00Z (lookback 10m)');
    expect(plan.bookmark).toEqual({ name: 'pair', scope: 'shop' });
    const longer = await planRead({ flags: { ...none, incremental: true, lookbackMs: 3_600_000 }, bookmarks, name: 'pair', scope: 'shop', source: spiffy, command: 'migrate', log: silentLogger });
    expect(longer.mode).toBe('incremental since 2026-11-25T02:00:00Z (lookback 1h)');
  });

  it('reads everything the first time, with --full, and from a source without a change filter (said once)', async () => {
    const empty = memoryBookmarks();
    const first = await planRead({ flags: { ...none, incremental: true }, bookmarks: empty, name: 'pair', scope: 'shop', source: spiffy, command: 'migrate', log: silentLogger });
    expect(first).toMatchObject({ query: { where: [] }, mode: 'full (no bookmark yet)' });
    expect(first.query.since).toBeUndefined();
    const full = await planRead({ flags: { ...none, full: true }, bookmarks: empty, name: 'pair', scope: 'shop', source: spiffy, command: 'migrate', log: silentLogger });
    expect(full).toMatchObject({ mode: 'full', bookmark: { name: 'pair' } });
    const log = recordingLog();
    const whole = await planRead({ flags: { ...none, incremental: true }, bookmarks: empty, name: 'pair', scope: 'cab', source: cabinetry, command: 'migrate', log });
    expect(whole.query.since).toBeUndefined();
    expect(whole.mode).toBe('full (cabinetry has no change filter)');
    expect(log.lines.filter((l) => l.includes('no change filter'))).toHaveLength(1);
  });

  it('a plain run leaves a bookmark; a narrowed one reads what it asked for and leaves none', async () => {
    const bookmarks = memoryBookmarks();
    const plain = await planRead({ flags: none, bookmarks, name: 'pair', scope: 'shop', source: spiffy, command: 'migrate', log: silentLogger });
    expect(plain.mode).toBeUndefined();
    expect(plain.bookmark).toEqual({ name: 'pair', scope: 'shop' });
    const since = new Date('2026-01-01T00:00:00Z');
    const narrowed = await planRead({ flags: { where: [], since, limit: 5 }, bookmarks, name: 'pair', scope: 'shop', source: spiffy, command: 'migrate', log: silentLogger });
    expect(narrowed.query).toEqual({ where: [], since, limit: 5 });
    expect(narrowed.bookmark).toBeUndefined();
  });

  it('refuses a bookmark left by a read of something else', async () => {
    const bookmarks = memoryBookmarks([{ name: 'nightly', scope: 'shop', readStartedAt: new Date(), clock: 'server' }]);
    await expect(planRead({ flags: { ...none, incremental: true }, bookmarks, name: 'nightly', scope: 'other', source: spiffy, command: 'pull', log: silentLogger })).rejects.toThrow(
      'bookmark "nightly" was left by a read of shop, not of other',
    );
  });

  it('refuses flags that contradict each other or would narrow an incremental read', () => {
    const where = [{ field: 'email' as const, op: '~' as const, value: 'x' }];
    const refused: Array<[Parameters<typeof checkReadFlags>[0], 'migrate' | 'pull', string]> = [
      [{ ...none, incremental: true, full: true }, 'migrate', 'either --incremental or --full'],
      [{ ...none, lookbackGiven: true }, 'migrate', '--lookback goes with --incremental'],
      [{ ...none, incremental: true, since: new Date() }, 'migrate', 'cannot be combined with --since'],
      [{ where, incremental: true }, 'migrate', 'cannot be combined with --where'],
      [{ ...none, incremental: true, limit: 3 }, 'migrate', 'cannot be combined with --limit'],
      [{ where, full: true }, 'migrate', '--full reads everything: leave out --where'],
      [{ ...none, incremental: true }, 'pull', 'needs --bookmark NAME'],
      [{ ...none, bookmarkName: 'x' }, 'pull', '--bookmark goes with --incremental'],
      [{ ...none, full: true }, 'pull', 'pull takes --incremental, not --full'],
    ];
    for (const [flags, command, message] of refused) {
      expect(() => checkReadFlags(flags, command), message).toThrow(UserError);
      expect(() => checkReadFlags(flags, command)).toThrow(message);
    }
    // A pull's named bookmark may belong to --where conditions.
    expect(() => checkReadFlags({ where, incremental: true, bookmarkName: 'vip' }, 'pull')).not.toThrow();
    expect(() => checkReadFlags({ where, since: new Date(), limit: 2 }, 'migrate')).not.toThrow();
  });
});

describe('the instant a bookmark records', () => {
  it("is the local start moved by the server's clock offset, rounded down to the second", () => {
    const start = { localMs: Date.parse('2026-11-25T04:00:00.900Z'), clockOf: () => -3_600_000 - 250 };
    expect(readStartedAt(start)).toEqual({ readStartedAt: new Date('2026-11-25T03:00:00.000Z'), clock: 'server' });
    expect(readStartedAt({ localMs: Date.parse('2026-11-25T04:00:00.900Z') })).toEqual({ readStartedAt: new Date('2026-11-25T04:00:00.000Z'), clock: 'local' });
  });

  it('takes no clock from a file source, and warns when a source with a change filter sent no Date header', async () => {
    expect(markReadStart({ dialect: { kind: 'file' }, ctx: { get http(): never { throw new Error('no http for files') } } }).clockOf).toBeUndefined();
    const bookmarks = memoryBookmarks();
    const log = recordingLog();
    const plan = { query: { where: [] }, fields: {}, bookmark: { name: 'pair', scope: 'shop' } };
    const saved = await saveBookmark(plan, bookmarks, { localMs: Date.parse('2026-11-25T04:00:00.900Z'), clockOf: () => undefined }, spiffy, log, 'migrate');
    expect(saved).toMatchObject({ clock: 'local', readStartedAt: new Date('2026-11-25T04:00:00Z') });
    expect(bookmarks.all.get('pair')).toEqual(saved);
    expect(log.lines.join('\n')).toContain('sent no Date header');
    expect(await saveBookmark({ ...plan, bookmark: undefined }, bookmarks, { localMs: 0 }, spiffy, log, 'migrate')).toBeUndefined();
  });
});
