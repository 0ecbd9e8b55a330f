import type { Dialect, DialectContext } from './dialect.js';
import { formatSpan } from './duration.js';
import { UserError } from './errors.js';
import type { Condition, ReadQuery } from './query.js';
import type { Bookmark, BookmarkStore } from './state/bookmarks.js';
import type { Logger } from '../ui/logger.js';

/**
 * `--incremental` (issue 14, SPEC sections 1 and 5): which records a run
 * reads, and the bookmark it leaves for the next one.
 *
 * The bookmark is the instant the last complete run *started* its read, on
 * the source server's clock (its `Date` headers; see
 * `HttpClient.serverClockOffsetMs`), rounded down to the second. The next
 * run reads what changed from that instant minus a lookback (10 minutes by
 * default), through the source's own change filter (`Dialect.changeFilter`).
 * So a change made during a read (stamped after the read began), one made
 * in the same second as the bookmark, or one committed a little late is
 * read again by the next run, and a local clock that is off cannot skip
 * anything. Records read again are skipped by their hash (`migrate`).
 *
 * The caller stores the new bookmark only when every write of the run was
 * confirmed ({@link saveBookmark}); a killed or failed run leaves the old
 * one, so the next run (or `--resume`) reads from the same instant.
 */
export const defaultLookbackMs = 10 * 60_000;

export interface ReadFlags {
  incremental?: boolean;
  full?: boolean;
  /** `--lookback`, parsed; default {@link defaultLookbackMs}. */
  lookbackMs?: number;
  since?: Date;
  where: Condition[];
  limit?: number;
}

/** What a run reads, how its summary names that, and whether it leaves a bookmark. */
export interface ReadPlan {
  query: ReadQuery;
  /** `incremental since 2026-11-25T02:50:00Z (lookback 10m)`, `full (no bookmark yet)`, …; undefined for a run that asked for neither. */
  mode?: string;
  /** For the JSON summary. */
  fields: Record<string, unknown>;
  /** Where to store the new bookmark once the run is complete; undefined when the run does not read everything it would need to. */
  bookmark?: { name: string; scope: string };
}

/**
 * Flags that contradict each other, or would leave a bookmark that skips
 * changes: exit 2 before anything is read. `--where` may go with a pull's
 * `--incremental` (its named bookmark then belongs to those conditions), not
 * with a migration's, whose one bookmark covers the whole source.
 */
export function checkReadFlags(flags: ReadFlags & { lookbackGiven?: boolean; bookmarkName?: string }, command: 'migrate' | 'pull'): void {
  if (command === 'pull' && flags.full) throw new UserError('pull takes --incremental, not --full', 'a pull without --incremental reads everything');
  if (flags.incremental && flags.full) throw new UserError('give either --incremental or --full, not both', '--full reads everything once and sets the bookmark again');
  if (flags.lookbackGiven && !flags.incremental) throw new UserError('--lookback goes with --incremental');
  const narrowing = [flags.since && '--since', flags.where.length > 0 && '--where', flags.limit !== undefined && '--limit'].filter((flag): flag is string => typeof flag === 'string');
  if (flags.full && narrowing.length > 0) throw new UserError(`--full reads everything: leave out ${narrowing.join(' and ')}`);
  // A pull's named bookmark may belong to --where conditions; a migration's covers the whole source.
  const refused = command === 'pull' ? narrowing.filter((flag) => flag !== '--where') : narrowing;
  if (flags.incremental && refused.length > 0) {
    throw new UserError(
      `--incremental cannot be combined with ${refused.join(' or ')}`,
      `--incremental reads what changed since the last complete run; ${refused.join(' and ')} would read less and leave a bookmark that skips changes`,
    );
  }
  if (command === 'pull') {
    if (flags.incremental && !flags.bookmarkName) throw new UserError('pull --incremental needs --bookmark NAME', 'the name under which the state database keeps where the next pull starts, e.g. --bookmark nightly-export');
    if (flags.bookmarkName !== undefined && !flags.incremental) throw new UserError('--bookmark goes with --incremental');
  }
}

/** ISO 8601 in UTC without the milliseconds when there are none: `2026-11-25T02:50:00Z`. */
export function isoSecond(at: Date): string {
  return at.toISOString().replace(/\.000Z$/, 'Z');
}

/** How the state database names the bookmark of a migration pair. */
export function migrationBookmarkName(sourceStateId: string, targetStateId: string): string {
  return `migrate ${sourceStateId} → ${targetStateId}`;
}

export interface PlanOptions {
  flags: ReadFlags;
  bookmarks: BookmarkStore;
  /** The bookmark's name and what it covers (see {@link Bookmark.scope}). */
  name: string;
  scope: string;
  source: { dialect: Pick<Dialect, 'id' | 'changeFilter'>; label: string };
  command: 'migrate' | 'pull';
  log: Logger;
}

export async function planRead(options: PlanOptions): Promise<ReadPlan> {
  const { flags, source, command, log } = options;
  const all: ReadQuery = { where: command === 'pull' ? flags.where : [] };
  const record = { name: options.name, scope: options.scope };
  if (!flags.incremental && !flags.full) {
    const narrowed = flags.since !== undefined || flags.where.length > 0 || flags.limit !== undefined;
    // A run that reads everything leaves a bookmark as good as --full's; a narrowed one reads too little to.
    return { query: { since: flags.since, where: flags.where, limit: flags.limit }, fields: {}, bookmark: narrowed || command === 'pull' ? undefined : record };
  }
  if (flags.full) return { query: all, mode: 'full', fields: { mode: 'full' }, bookmark: record };

  const bookmark = await options.bookmarks.get(options.name);
  if (bookmark && bookmark.scope !== options.scope) {
    throw new UserError(
      `bookmark "${options.name}" was left by a read of ${bookmark.scope}, not of ${options.scope}`,
      command === 'pull' ? 'use another --bookmark name for another source or other --where conditions' : 'run once with --full to start this pair afresh',
    );
  }
  if (!source.dialect.changeFilter) {
    // Said once: every record is read, and migrate skips the unchanged ones by their hash.
    log.info(`${command}: ${source.label} (${source.dialect.id}) has no change filter: reading every customer${command === 'migrate' ? '; unchanged ones are skipped by their hash' : ''}`);
    return { query: all, mode: `full (${source.dialect.id} has no change filter)`, fields: { mode: 'full', reason: 'no change filter' }, bookmark: record };
  }
  if (!bookmark) {
    log.info(`${command}: no bookmark yet (no complete ${command === 'migrate' ? 'run of this source and target' : `pull with --bookmark ${options.name}`} before): reading everything once`);
    return { query: all, mode: 'full (no bookmark yet)', fields: { mode: 'full', reason: 'no bookmark yet' }, bookmark: record };
  }
  const lookbackMs = flags.lookbackMs ?? defaultLookbackMs;
  const since = new Date(bookmark.readStartedAt.getTime() - lookbackMs);
  const lookback = formatSpan(lookbackMs);
  log.info(
    `${command}: reading what changed since ${isoSecond(since)} through ${source.dialect.id}'s ${source.dialect.changeFilter} ` +
      `(the last complete read began ${isoSecond(bookmark.readStartedAt)} on the ${bookmark.clock === 'server' ? "server's" : "local"} clock, minus a lookback of ${lookback})`,
  );
  return {
    query: { ...all, since },
    mode: `incremental since ${isoSecond(since)} (lookback ${lookback})`,
    fields: { mode: 'incremental', since: isoSecond(since), lookback },
    bookmark: record,
  };
}

/** Taken just before a read begins; turned into the bookmark's instant when the run is complete. */
export interface ReadStart {
  localMs: number;
  /** The source's HTTP core, whose answers tell the server's clock. */
  clockOf?: () => number | undefined;
}

export function markReadStart(source: { dialect: Pick<Dialect, 'kind'>; ctx: Pick<DialectContext, 'http'> }): ReadStart {
  const localMs = Date.now();
  if (source.dialect.kind !== 'remote') return { localMs };
  return { localMs, clockOf: () => source.ctx.http.serverClockOffsetMs };
}

/**
 * When the read started on the server's clock: the local start plus the
 * least offset the answers showed (a lower bound, see
 * `HttpClient.serverClockOffsetMs`), rounded down to the second, as the
 * change dates of the coarsest sources are. Without a `Date` header, the
 * local clock.
 */
export function readStartedAt(start: ReadStart): Pick<Bookmark, 'readStartedAt' | 'clock'> {
  const offset = start.clockOf?.();
  const ms = start.localMs + (offset ?? 0);
  return { readStartedAt: new Date(Math.floor(ms / 1000) * 1000), clock: offset === undefined ? 'local' : 'server' };
}

/**
 * Stores the bookmark a complete run leaves. The caller decides that the run
 * is complete: finished, not a dry run, nothing `failed` (a failed record may
 * or may not have landed; reading it again is how it gets another try).
 */
export async function saveBookmark(plan: ReadPlan, store: BookmarkStore, start: ReadStart, source: { dialect: Pick<Dialect, 'id' | 'changeFilter'>; label: string }, log: Logger, command: 'migrate' | 'pull'): Promise<Bookmark | undefined> {
  if (!plan.bookmark) return undefined;
  const at = readStartedAt(start);
  if (at.clock === 'local' && source.dialect.changeFilter) {
    log.warn(
      `${command}: ${source.label} sent no Date header: the bookmark is this machine's clock, and a clock ahead of the server's would skip changes; keep it synchronised (NTP) or give a longer --lookback`,
    );
  }
  const bookmark: Bookmark = { ...plan.bookmark, ...at };
  await store.set(bookmark);
  log.verbose(`${command}: bookmark ${plan.bookmark.name} set to ${isoSecond(at.readStartedAt)} (${at.clock} clock)`);
  return bookmark;
}
