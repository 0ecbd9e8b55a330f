import { ProtocolError } from '../errors.js';
import { GateClosed, type Gate } from './gate.js';
import type { Partition, ReadPlan } from './engine.js';
import { readOverlapping } from './overlap.js';

/**
 * The plan for APIs that page only by position but filter on a range of
 * something that never changes for a customer, such as its creation time
 * (Propeller's search: `dateCreated` from/to, `page`/`offset`, and a
 * `total` in every answer).
 *
 * A window — a slice of that range — whose total fits one page is read in
 * that one request: whatever the order of the answer, it is every customer
 * of the window at that moment. A window with more is cut into smaller
 * slices (the total says into how many) until each fits; a slice that
 * cannot be cut (more than a page created in one instant, a bulk import)
 * is read with overlapping position reads ({@link readOverlapping}).
 * Slices are disjoint and together cover the range, and a customer's
 * position in it never changes, so each customer that exists for the whole
 * read is read exactly once. Windows are read concurrently and handed on in
 * range order (within a window, in the API's order).
 *
 * The same plan serves an incremental read: a window over the change time
 * (`dateModified`, `updated_at_min`) from the last bookmark to now.
 */
export interface Range {
  /** Inclusive, in the source's unit (e.g. epoch ms). */
  from: number;
  /** Exclusive. */
  to: number;
}

export interface RangeSource<T> {
  /** Names the list in messages. */
  readonly name: string;
  /** The page asked for (the profile's). */
  readonly pageSize: number;
  /** The largest page the API answers (default `pageSize`): position reads within one instant may ask for up to it. */
  readonly maxPageSize?: number;
  /** The finest slice the API can ask for (1000 when its bounds are whole seconds). */
  readonly resolution: number;
  /**
   * Page `page` (from 1) of `limit` of the customers whose position lies in
   * `range`, and how many there are. An API whose bounds are both inclusive
   * asks for `[from, to - resolution]`.
   */
  fetch(range: Range, page: number, limit: number): Promise<{ items: T[]; total: number }>;
  keyOf(item: T): string;
  /**
   * Where a customer lies in the range (its creation time). When given, a
   * customer outside the window asked for is dropped, so that bounds rounded
   * by the API can never make a window repeat one of its neighbour's.
   */
  positionOf?(item: T): number | undefined;
  /**
   * Completes a page with what the list leaves out (Propeller's addresses,
   * one request per customer): every request through `gate`, so that the
   * read stays within `--concurrency`. Runs as the window is read, in order.
   */
  enrich?(items: T[], gate: Gate): Promise<T[]>;
}

export interface RangeWindowOptions {
  range: Range;
  concurrency: number;
  /** How full a window is planned to be (of a page), so that most fit at the first try (default 0.8). */
  fill?: number;
  /** Stop planning after this many customers (`--limit` when the server applies the whole query). */
  want?: number;
  log?: (line: string) => void;
}

/** `range` cut into `parts` slices of equal length, on multiples of `resolution`; fewer when it is too short. */
export function cutRange(range: Range, parts: number, resolution: number): Range[] {
  const steps = Math.max(1, Math.ceil((range.to - range.from) / resolution));
  const count = Math.max(1, Math.min(parts, steps));
  const out: Range[] = [];
  let from = range.from;
  for (let i = 1; i <= count; i += 1) {
    const to = i === count ? range.to : range.from + Math.round((steps * i) / count) * resolution;
    if (to > from) out.push({ from, to });
    from = Math.max(from, to);
  }
  return out;
}

type FirstPage<T> = Promise<{ items: T[]; total: number }>;

/** Windows the whole range is first cut into. */
const topWindows = 16;

export function rangeWindowPlan<T>(source: RangeSource<T>, options: RangeWindowOptions): ReadPlan<T[]> {
  const fill = options.fill ?? 0.8;
  const inside = (range: Range) => (items: T[]) => {
    if (!source.positionOf) return items;
    return items.filter((item) => {
      const at = source.positionOf!(item);
      return at === undefined || (at >= range.from && at < range.to);
    });
  };
  /**
   * An instant that holds half a page or more of the window's first answer
   * (a bulk import): cut around it at once rather than halving towards it.
   */
  const crowdedInstant = (items: T[], range: Range): number | undefined => {
    if (!source.positionOf) return undefined;
    const counts = new Map<number, number>();
    for (const item of items) {
      const at = source.positionOf(item);
      if (at === undefined) continue;
      const instant = range.from + Math.floor((at - range.from) / source.resolution) * source.resolution;
      counts.set(instant, (counts.get(instant) ?? 0) + 1);
    }
    for (const [instant, count] of counts) if (count * 2 >= source.pageSize && instant >= range.from && instant < range.to) return instant;
    return undefined;
  };
  // Independent of the concurrency, so that the windows, and the output's order, are the same at any.
  const partsFor = (total: number) => Math.max(2, Math.ceil(total / Math.max(1, Math.floor(source.pageSize * fill))));

  return {
    async *partitions(gate: Gate): AsyncGenerator<Partition<T[]>> {
      // Windows still to read, in range order, each with its first page once asked for.
      const queue: Array<{ range: Range; first?: FirstPage<T> }> = [{ range: options.range }];
      const ask = (entry: { range: Range; first?: FirstPage<T> }): FirstPage<T> => {
        if (!entry.first) {
          entry.first = gate.run(() => source.fetch(entry.range, 1, source.pageSize));
          entry.first.catch(() => undefined);
        }
        return entry.first;
      };
      let handed = 0;
      while (queue.length > 0) {
        if (options.want !== undefined && handed >= options.want) return;
        // The first pages of the next windows go out together: they are the reads themselves.
        for (const entry of queue.slice(0, options.concurrency)) ask(entry);
        const entry = queue.shift()!;
        let first: { items: T[]; total: number };
        try {
          first = await ask(entry);
        } catch (error) {
          if (error instanceof GateClosed) return;
          throw error;
        }
        const { range } = entry;
        // A server ignores fields it does not know (SPEC section 8): a window that answers with customers
        // mostly outside it was not filtered, and cutting it further would only repeat the whole list.
        if (source.positionOf && first.items.length >= 4 && range !== options.range) {
          const outside = first.items.filter((item) => {
            const at = source.positionOf!(item);
            return at !== undefined && (at < range.from || at >= range.to);
          }).length;
          if (outside * 2 > first.items.length) {
            throw new ProtocolError(`${source.name} answered customers outside the range asked for: the server does not apply that filter`, {
              hint: 'custsync cannot cut this source into windows; report it with --verbose output',
            });
          }
        }
        if (first.total <= first.items.length) {
          const items = inside(range)(first.items);
          handed += items.length;
          yield {
            label: `${source.name} ${range.from}..${range.to} (${first.total})`,
            async *pages(inner: Gate) {
              if (items.length > 0) yield source.enrich ? await source.enrich(items, inner) : items;
            },
          };
          continue;
        }
        // The whole range is first cut into a few windows only: customers are rarely spread evenly over
        // it (a shop's first years are empty), and an empty window is a request. Below that, the
        // customers of a window are taken as spread evenly, and it is cut into as many as they fill.
        const top = range === options.range;
        const crowded = crowdedInstant(first.items, range);
        const parts = crowded
          ? [{ from: range.from, to: crowded }, { from: crowded, to: crowded + source.resolution }, { from: crowded + source.resolution, to: range.to }].filter((r) => r.to > r.from)
          : cutRange(range, top ? Math.min(partsFor(first.total), topWindows) : partsFor(first.total), source.resolution);
        if (parts.length > 1) {
          options.log?.(`read: ${source.name}: ${first.total} in ${range.from}..${range.to}, cut into ${parts.length} windows`);
          queue.unshift(...parts.map((part) => ({ range: part })));
          continue;
        }
        // More than a page in one instant: position reads, overlapping and checked, within it.
        yield {
          label: `${source.name} ${range.from}..${range.to} (${first.total}, by position)`,
          async *pages(inner: Gate) {
            const keep = inside(range);
            for await (const page of readOverlapping(
              {
                name: `${source.name} ${range.from}..${range.to}`,
                pageSize: source.pageSize,
                maxPageSize: Math.max(source.pageSize, source.maxPageSize ?? source.pageSize),
                fetch: (page, limit) => inner.run(() => source.fetch(range, page, limit)),
                keyOf: (item) => source.keyOf(item),
              },
              { concurrency: 1, log: options.log },
            )) {
              const items = keep(page);
              if (items.length > 0) yield source.enrich ? await source.enrich(items, inner) : items;
            }
          },
        };
      }
    },
  };
}
