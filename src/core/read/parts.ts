import { z } from 'zod';
import type { Customer } from '../customer.js';
import type { ReadQuery } from '../query.js';
import type { DialectContext } from '../dialect.js';
import { readPartitions, type ReadPlan } from './engine.js';
import { Semaphore } from './gate.js';
import type { IdWindowSource } from './id-windows.js';
import { KeysetWindow } from './keyset.js';
import { cutRange, rangeWindowPlan, type Range, type RangeSource } from './range-windows.js';

/**
 * Parts of a read that other processes can read (`migrate --workers`): the
 * same kind of window the read engine cuts a base into (an id range, a
 * creation-time range), planned once, stored as JSON in the shared state,
 * and read by whichever worker claims it.
 *
 * What makes a part safe to hand to another process is what makes a window
 * safe in the engine: its bounds are values that never change for a
 * customer (its id, its creation time), so parts are disjoint and together
 * cover the base whatever changes between the plan and the reads. The last
 * part is open above: customers created after the plan are read by it.
 * Positions (counts, probes) only make the parts even.
 */
export const ReadPartSchema = z.object({
  /** `id`: ids in `(from, to]`; `created`: creation times (epoch ms) in `[from, to)`. */
  by: z.enum(['id', 'created']),
  from: z.number(),
  /** Null: open above (the last part). */
  to: z.number().nullable(),
  /** For logs, e.g. `ids 1000..2000`. */
  label: z.string(),
});
export type ReadPart = z.infer<typeof ReadPartSchema>;

/** How a dialect is read in parts by several processes (`Dialect.split`). */
export interface DialectSplit {
  /** The parts of the base this query reads; requests only to place bounds (a count, a few probes). */
  plan(ctx: DialectContext, query: ReadQuery): Promise<ReadPart[]>;
  /** The records of one part that satisfy the query, as `read` gives them. */
  read(ctx: DialectContext, query: ReadQuery, part: ReadPart): AsyncIterable<Customer>;
}

/** Parts of about this many customers, at most {@link maxParts}: enough for a few per worker, each one a few pages. */
const pagesPerPart = 4;
const maxParts = 100;

function partSize(total: number, pageSize: number): number {
  return Math.max(pageSize * pagesPerPart, Math.ceil(total / maxParts));
}

/**
 * Id parts `(after, b1]`, `(b1, b2]`, …, `(bN, ∞)`: the count of customers
 * above `after`, then the id at each part's last position (one
 * one-customer page each). Bounds only ever grow, so parts never overlap.
 */
export async function planIdParts<T>(source: IdWindowSource<T>, options: { after: number; concurrency: number }): Promise<ReadPart[]> {
  const { after } = options;
  const gate = new Semaphore(Math.max(1, options.concurrency));
  const first = gate.run(() => source.fetch(after, undefined)).then((answer) => ({ complete: answer.complete, count: answer.items.length, total: answer.total }));
  first.catch(() => undefined);
  const total = await source.count(after, first, gate);
  const open = (from: number): ReadPart => ({ by: 'id', from, to: null, label: `ids above ${from}` });
  if (total === undefined || total <= 0) return [open(after)];
  const size = partSize(total, source.pageSize);
  const count = Math.ceil(total / size);
  const probes = await Promise.all(Array.from({ length: count - 1 }, (_, k) => gate.run(() => source.keyAt(after, (k + 1) * size - 1))));
  const parts: ReadPart[] = [];
  let lower = after;
  for (const key of probes) {
    // Past the end (the base shrank since the count): the open part reads the rest.
    if (key === undefined) break;
    if (key <= lower) continue;
    parts.push({ by: 'id', from: lower, to: key, label: `ids ${lower + 1}..${key}` });
    lower = key;
  }
  parts.push(open(lower));
  return parts;
}

/** The plan that reads one id part: keyset paging from its lower bound to its upper one. */
export function idPartPlan<T>(source: IdWindowSource<T>, part: ReadPart): ReadPlan<T[]> {
  return {
    async *partitions() {
      yield new KeysetWindow(source, { label: part.label, after: part.from, upTo: part.to ?? undefined });
    },
  };
}

/**
 * Creation-time parts of `range`: the totals of a few slices (one-customer
 * searches), slices that hold a part's boundary cut again, until a boundary
 * is placed within half a part. Customers are rarely spread evenly over
 * time (a shop's first years are empty), so an even cut of the range would
 * leave most parts empty.
 */
export async function planRangeParts<T>(source: RangeSource<T>, options: { range: Range; concurrency: number }): Promise<ReadPart[]> {
  const { range } = options;
  const gate = new Semaphore(Math.max(1, options.concurrency));
  const totalOf = (slice: Range) => gate.run(() => source.fetch(slice, 1, 1)).then((answer) => answer.total);
  const open = (from: number): ReadPart => ({ by: 'created', from, to: null, label: `created from ${new Date(from).toISOString()}` });
  const total = await totalOf(range);
  const size = partSize(total, source.pageSize);
  const count = Math.ceil(total / size);
  if (count <= 1) return [open(range.from)];
  const targets = Array.from({ length: count - 1 }, (_, k) => ((k + 1) * total) / count);
  const bounds: number[] = [];
  const place = async (slice: Range, before: number, inside: number): Promise<void> => {
    const wanted = targets.filter((t) => t > before && t < before + inside);
    if (wanted.length === 0) return;
    if (inside <= size / 2 || slice.to - slice.from <= source.resolution) {
      // Close enough: the boundary goes to the nearer end of the slice.
      for (const t of wanted) bounds.push(t - before < inside / 2 ? slice.from : slice.to);
      return;
    }
    const slices = cutRange(slice, 16, source.resolution);
    const totals = await Promise.all(slices.map(totalOf));
    let at = before;
    await Promise.all(
      slices.map((part, i) => {
        const start = at;
        at += totals[i];
        return place(part, start, totals[i]);
      }),
    );
  };
  await place(range, 0, total);
  const cuts = [...new Set(bounds)].filter((b) => b > range.from && b < range.to).sort((a, b) => a - b);
  const parts: ReadPart[] = [];
  let lower = range.from;
  for (const cut of cuts) {
    parts.push({ by: 'created', from: lower, to: cut, label: `created ${new Date(lower).toISOString()}..${new Date(cut).toISOString()}` });
    lower = cut;
  }
  parts.push(open(lower));
  return parts;
}

/** The plan that reads one creation-time part: the engine's windows within it (`end`: where an open part stops). */
export function rangePartPlan<T>(source: RangeSource<T>, part: ReadPart, options: { end: number; concurrency: number; log?: (line: string) => void }): ReadPlan<T[]> {
  return rangeWindowPlan(source, { range: { from: part.from, to: part.to ?? options.end }, concurrency: options.concurrency, log: options.log });
}

/** The pages of a part's plan, read by the engine within `--concurrency`. */
export function readPart<T>(plan: ReadPlan<T[]>, ctx: Pick<DialectContext, 'concurrency' | 'log'>): AsyncIterable<T[]> {
  return readPartitions(plan, { concurrency: ctx.concurrency, log: (line) => ctx.log.verbose(line) });
}
