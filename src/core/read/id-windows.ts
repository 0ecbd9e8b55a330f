import type { Partition, ReadPlan } from './engine.js';
import type { Gate } from './gate.js';
import { KeysetWindow, type FirstAnswer, type KeysetSource } from './keyset.js';

/**
 * The plan for APIs with keyset paging by a numeric id (`since_id`,
 * `filter[id][gt]`): the id range is cut into windows `(after, upTo]` that
 * are read concurrently, each by keyset paging ({@link KeysetWindow}).
 *
 * The first window starts at once, with no upper bound, and the count
 * beside it. When the first page is full, the plan cuts the rest into
 * windows whose bounds are the ids at page boundaries: one request for a
 * one-customer page at that position (a probe). Positions only make
 * the windows even; correctness never depends on them: whatever moves
 * between the probes and the reads, the windows are disjoint id ranges that
 * together cover every id above `after`, so each customer that exists for
 * the whole read is read exactly once.
 */
export interface IdWindowSource<T> extends KeysetSource<T> {
  /**
   * Customers above `after` now: a count request (through `gate`), sent at
   * once beside the first page, or the first answer's total (no request).
   */
  count(after: number, first: Promise<FirstAnswer>, gate: Gate): Promise<number | undefined>;
  /** The id at 0-based position `index` among the customers above `after` (a one-customer page); undefined past the end. */
  keyAt(after: number, index: number): Promise<number | undefined>;
}

export interface IdWindowOptions {
  /** Ids above this one only (a pushed-down `id >` condition), else below every id. */
  after: number;
  concurrency: number;
  /** Stop after this many customers (`--limit` when the server applies the whole query): no window beyond it is planned. */
  want?: number;
  /** A window holds at most this many pages, so what is read ahead of the output stays small (default 20). */
  maxPagesPerWindow?: number;
}

/**
 * Page numbers (counted from the start) at which windows end: `pages`
 * split into windows of at most `maxPages` pages, as many as a multiple of
 * `concurrency`, the last window left open. When all windows run at once, the first one
 * gets `headStart` more pages: it began that many requests earlier (the
 * others wait for the count and their bounds).
 */
export function windowEnds(pages: number, concurrency: number, maxPages = 20, headStart = 2): number[] {
  if (concurrency <= 1 || pages <= 1) return [];
  // A multiple of the concurrency, so that no worker is left with a window when the others are done.
  const windows = Math.min(pages, concurrency * Math.ceil(Math.ceil(pages / Math.max(1, maxPages)) / concurrency));
  if (windows <= 1) return [];
  const head = windows <= concurrency ? Math.min(headStart, Math.floor(pages / windows)) : 0;
  const size = (pages - head) / windows;
  const ends: number[] = [];
  for (let j = 1; j < windows; j += 1) {
    const end = Math.round(head + size * j);
    if (end > (ends[ends.length - 1] ?? 0) && end < pages) ends.push(end);
  }
  return ends;
}

export function idWindowPlan<T>(source: IdWindowSource<T>, options: IdWindowOptions): ReadPlan<T[]> {
  const { after, concurrency, want } = options;
  return {
    async *partitions(gate: Gate): AsyncGenerator<Partition<T[]>> {
      const head = new KeysetWindow(source, { label: `ids above ${after}`, after, want });
      yield head;
      // A short --limit is read by the first window alone: a plan would cost more requests than it saves.
      if (concurrency <= 1 || (want !== undefined && want <= 3 * source.pageSize)) return;
      const counted = source.count(after, head.firstAnswer, gate);
      counted.catch(() => undefined);
      const first = await head.firstAnswer;
      if (first.complete) return;
      let total = await counted;
      if (total === undefined) return;
      if (want !== undefined) total = Math.min(total, want);
      // Up to three pages are read faster by the first window alone than with a count and probes first.
      const pages = Math.ceil(total / source.pageSize);
      const ends = pages > 3 ? windowEnds(pages, concurrency, options.maxPagesPerWindow) : [];
      if (ends.length === 0) return;

      // Bound j closes window j (0 = the first) at the id ending page ends[j]; each bound is at
      // least the one before, so windows never overlap even if the base moved between probes.
      const probes: Array<Promise<number | undefined>> = [];
      const probe = (j: number) => (probes[j] ??= gate.run(() => source.keyAt(after, ends[j] * source.pageSize - 1)));
      const bounds: Array<Promise<number | undefined>> = [];
      const bound = (j: number): Promise<number | undefined> =>
        (bounds[j] ??=
          j === 0
            ? probe(0).then((key) => head.limitTo(key))
            : Promise.all([probe(j), bound(j - 1)]).then(([key, before]) =>
                key === undefined || before === undefined ? undefined : Math.max(key, before),
              ));
      // The first windows' bounds are asked for at once; later ones one window ahead.
      for (let j = 0; j < Math.min(ends.length, concurrency); j += 1) void bound(j).catch(() => undefined);

      for (let j = 1; j <= ends.length; j += 1) {
        const lower = await bound(j - 1);
        // The window before reads to the end (the base shrank below this boundary).
        if (lower === undefined) return;
        const last = j === ends.length;
        if (!last && j + 1 < ends.length) void bound(j + 1).catch(() => undefined);
        yield new KeysetWindow(source, {
          label: last ? `ids above ${lower}` : `ids above ${lower} (window ${j + 1} of ${ends.length + 1})`,
          after: lower,
          upTo: last ? undefined : bound(j),
          want,
        });
      }
    },
  };
}
