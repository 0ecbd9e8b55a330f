import { BugError, RemoteError } from '../errors.js';
import { readPartitions, type Partition } from './engine.js';
import type { Gate } from './gate.js';

/**
 * Reading an API that only pages by position (`page`/`limit`), where a
 * delete before the page being read shifts everything after it by one and
 * a plain page loop silently skips a customer.
 *
 * - Each read overlaps the one before by a few positions: the API has no
 *   offset parameter, but a read of `limit` L at page P covers positions
 *   (P-1)·L … P·L-1, so a read can start at any position that some L near
 *   the page size divides (see {@link nextSpan}).
 * - Reads go out concurrently; in the source's order, each must share at
 *   least one customer with the read before it. Two reads that share one
 *   are, at their own moments, unbroken runs of the list that meet: nothing
 *   that existed throughout lies between them. When they share none (more
 *   customers were deleted before the seam than the overlap holds), the
 *   range is read again, further back, until a read meets the one before.
 * - Customers seen in the previous reads are not handed on twice (keys).
 * - The end: the read that comes back short is the end of the list; a last
 *   read that comes back full (the list grew) is followed by more reads.
 *   The `total` of each answer only sizes the plan and the step back.
 *
 * It relies on one property every position-paged API needs to be paged at
 * all: the list has a stable order (by creation, or by a key that does not
 * change). A customer whose edit moves it in that order can be missed, as
 * with any position paging; docs/dialects/<id>.md says what each dialect's
 * order is.
 */
export interface OffsetAnswer<T> {
  items: T[];
  /** The number of customers the API reports for the whole list. */
  total: number;
}

export interface OffsetSource<T> {
  /** Names the list in messages. */
  readonly name: string;
  /** The page size asked for (the profile's). */
  readonly pageSize: number;
  /** The largest `limit` the API accepts. */
  readonly maxPageSize: number;
  /** Positions (page-1)·limit … page·limit-1 of the list. */
  fetch(page: number, limit: number): Promise<OffsetAnswer<T>>;
  keyOf(item: T): string;
}

export interface OverlapOptions {
  concurrency: number;
  /** Stop after this many customers (`--limit` when the server applies the whole query). */
  want?: number;
  log?: (line: string) => void;
}

/** A read of positions `start` … `start + limit - 1` as the page/limit pair that asks for them. */
export interface Span {
  page: number;
  limit: number;
  start: number;
}

const end = (span: Span) => span.start + span.limit;

/** How many positions consecutive reads share: a few, and more for large pages. */
export function overlapOf(pageSize: number): { min: number; max: number } {
  const min = Math.max(2, Math.ceil(pageSize * 0.02));
  return { min, max: Math.max(min + 6, Math.ceil(pageSize * 0.1)) };
}

/**
 * The read after one that ended at position `after`: it starts at least
 * `overlap.min` positions before `after` and asks for a `limit` that
 * divides its start (so that it is a page). Of the limits near `pageSize`,
 * the one that gets furthest (fewest requests), an overlap beyond
 * `overlap.max` counting against it. Far into a long list every start has
 * a good divisor; when none of the limits near `pageSize` moves on, any
 * limit up to the largest is tried.
 */
export function nextSpan(after: number, pageSize: number, maxPageSize: number, overlap = overlapOf(pageSize)): Span {
  const size = Math.max(1, Math.min(pageSize, maxPageSize));
  if (after <= overlap.min) return { page: 1, limit: size, start: 0 };
  const near = [Math.max(overlap.min + 2, Math.floor(size * 0.75)), Math.min(maxPageSize, Math.max(Math.ceil(size * 1.25), size + 8))];
  // At least half of a read is new, so the reads move on; when the largest page is small (a profile's
  // page size at the API's maximum), no limit may allow that, and any read that moves on at all is taken.
  // The last resort shares a single position with the read before (the seam is still checked).
  const half = (limit: number) => Math.max(1, limit / 2);
  const passes: Array<[number, number, (limit: number) => number, number]> = [
    [near[0], near[1], half, overlap.min],
    [overlap.min + 2, maxPageSize, half, overlap.min],
    [overlap.min + 1, maxPageSize, () => 1, overlap.min],
    [2, maxPageSize, () => 1, 1],
  ];
  for (const [lowest, highest, least, shared] of passes) {
    let best: { span: Span; score: number } | undefined;
    for (let limit = lowest; limit <= highest; limit += 1) {
      const start = Math.floor((after - shared) / limit) * limit;
      const gained = start + limit - after;
      if (gained < least(limit)) continue;
      const score = gained - Math.max(0, after - start - overlap.max);
      if (!best || score > best.score || (score === best.score && limit < best.span.limit)) best = { span: { page: start / limit + 1, limit, start }, score };
    }
    if (best) return best.span;
  }
  // Only for a list shorter than the largest page: read it from the start. Past that, starting again
  // would repeat the list for ever.
  if (after + 1 <= maxPageSize) return { page: 1, limit: Math.min(maxPageSize, after + size), start: 0 };
  throw new BugError(`no page of at most ${maxPageSize} reads on from position ${after} with an overlap of ${overlap.min}`);
}

interface Read<T> {
  span: Span;
  items: T[];
  total: number;
}

/** At most this many reads go back over one seam before the run gives up (the base changes faster than it can be read). */
const maxBridges = 8;

/** Every customer of the list, in its order, each once (see the module comment). */
export async function* readOverlapping<T>(source: OffsetSource<T>, options: OverlapOptions): AsyncGenerator<T[]> {
  const overlap = overlapOf(source.pageSize);
  const limitOf = (total: number) => (options.want === undefined ? total : Math.min(total, options.want));
  let gateRef: Gate | undefined;
  let firstTotal: number | undefined;
  const fetchSpan = async (span: Span): Promise<Read<T>> => {
    const answer = await source.fetch(span.page, span.limit);
    return { span, items: answer.items, total: answer.total };
  };
  const partition = (span: Span, onRead?: (read: Read<T>) => void): Partition<Read<T>> => ({
    label: `positions ${span.start + 1}..${end(span)} (page ${span.page}, limit ${span.limit})`,
    async *pages(gate: Gate) {
      const read = await gate.run(() => fetchSpan(span));
      onRead?.(read);
      yield read;
    },
  });
  const reads = readPartitions<Read<T>>(
    {
      async *partitions(gate) {
        gateRef = gate;
        let settle!: (read: Read<T>) => void;
        const firstRead = new Promise<Read<T>>((resolve) => (settle = resolve));
        const first = nextSpan(0, source.pageSize, source.maxPageSize, overlap);
        yield partition(first, settle);
        const read = await firstRead;
        firstTotal = read.total;
        if (read.items.length < first.limit) return;
        let span = first;
        while (end(span) < limitOf(read.total)) {
          span = nextSpan(end(span), source.pageSize, source.maxPageSize, overlap);
          yield partition(span);
        }
      },
    },
    { concurrency: options.concurrency, log: options.log },
  );

  // Keys of the last reads handed on: an overlap, or a shift, repeats nothing. A read may have
  // been fetched as long ago as the engine reads ahead (2 × concurrency reads), so that many are kept.
  const remembered = 2 * Math.max(1, options.concurrency) + 8;
  const recent: Array<Set<string>> = [];
  const seen = (key: string) => recent.some((keys) => keys.has(key));
  let previous: Read<T> | undefined;
  let handed = 0;

  const accept = (read: Read<T>): T[] => {
    const fresh = read.items.filter((item) => !seen(source.keyOf(item)));
    recent.push(new Set(read.items.map((item) => source.keyOf(item))));
    if (recent.length > remembered) recent.shift();
    previous = read;
    handed += fresh.length;
    return fresh;
  };
  // The reads handed on form one unbroken run from the start of the list; a read that shares a
  // customer with it (or starts at position 0) extends that run without a gap.
  const meets = (read: Read<T>) => read.span.start === 0 || read.items.some((item) => seen(source.keyOf(item)));
  const full = (read: Read<T>) => read.items.length >= read.span.limit;
  const enough = () => options.want !== undefined && handed >= options.want;

  /**
   * Closes the gap between the run handed on and `next` (a read that does
   * not meet it, or nothing: the end of the list). Reads back from where
   * the run ended until a read meets it, then forward from there until one
   * meets `next` or comes back short (the end of the list).
   */
  async function* bridge(next: Read<T> | undefined): AsyncGenerator<T[]> {
    const front = previous!;
    // How far back to start: what the total says went missing, at least the overlap; doubled after each miss.
    let back = Math.max(overlap.max, front.total - (next?.total ?? front.total));
    let at = end(front.span);
    for (let misses = 0; ; ) {
      // Long enough to get past `at` whatever the step back.
      const span = nextSpan(Math.max(0, at - back), Math.min(source.maxPageSize, source.pageSize + back), source.maxPageSize, overlap);
      options.log?.(`read: ${source.name}: a gap after position ${at}; reading positions ${span.start + 1}..${end(span)}`);
      const read = await gateRef!.run(() => fetchSpan(span));
      if (!meets(read)) {
        misses += 1;
        if (misses > maxBridges || back >= source.maxPageSize) {
          throw new RemoteError(`${source.name} changed faster than it could be read: the pages around position ${at} kept moving`, {
            hint: 'run again when fewer customers are being created or deleted',
          });
        }
        back = back * 2 + overlap.max;
        continue;
      }
      misses = 0;
      yield accept(read);
      if (!full(read) || enough() || (next && next.items.length > 0 && meets(next))) return;
      at = end(span);
    }
  }

  /** Checks a read's seam with the run handed on, closes a gap, and hands on what is new. */
  async function* settle(read: Read<T>, last: boolean): AsyncGenerator<T[]> {
    if (previous && full(previous)) {
      // A planned read past the end of a shrunken list says nothing; the reads after the plan go on from the run.
      if (read.items.length === 0 && !last) return;
      if (read.items.length === 0 || !meets(read)) yield* bridge(read);
      if (enough() || read.items.length === 0) return;
    }
    yield accept(read);
  }

  try {
    for await (const read of reads) {
      for await (const page of settle(read, false)) {
        if (page.length > 0) yield page;
        if (enough()) return;
      }
    }
    // The last read came back full (the list grew, or a planned read was skipped): read on until one
    // comes back short. The engine is done by now, so these go out one at a time, without its gate.
    gateRef = { run: (task) => task() };
    while (previous && full(previous) && !enough()) {
      const span = nextSpan(end(previous.span), source.pageSize, source.maxPageSize, overlap);
      const read = await fetchSpan(span);
      for await (const page of settle(read, true)) {
        if (page.length > 0) yield page;
        if (enough()) return;
      }
    }
    if (firstTotal !== undefined && previous && previous.total !== firstTotal) {
      options.log?.(`read: ${source.name}: the total moved from ${firstTotal} to ${previous.total} during the read; every seam between reads was checked`);
    }
  } finally {
    await reads.return(undefined);
  }
}
