import type { Customer } from '../../core/customer.js';
import type { DialectContext } from '../../core/dialect.js';
import { matches, type ReadQuery } from '../../core/query.js';
import { readPartitions } from '../../core/read/engine.js';
import type { Gate } from '../../core/read/gate.js';
import { rangeWindowPlan, type RangeSource } from '../../core/read/range-windows.js';
import { planRangeParts, rangePartPlan, readPart, type DialectSplit } from '../../core/read/parts.js';
import { localTime } from './answer.js';
import { customerAddresses, getCustomer, maxPageSize, pageSizeOf, pushDown, searchPage } from './client.js';
import { isoInstant } from './dates.js';
import { toCanonical } from './mapping.js';
import type { WireCustomer } from './schema.js';

/**
 * How `pull` reads Propeller (docs/dialects/propeller.md, "Reading").
 *
 * The search offers `page`/`offset` paging, a `total`, and filters on
 * `dateCreated` and `dateModified` (from/to, local times to the second); it
 * promises no order and no key range. A customer's creation time never
 * changes, so the base is cut into creation-time windows
 * (core/read/range-windows.ts): a window whose total fits one page is read
 * in that one request, whatever the order of the answer; one with more is
 * cut smaller; more than a page created within one second is read by
 * position with overlaps and checks. Windows go out concurrently and come
 * out in creation order. `--since` stays `dateModified.from`: a change only
 * moves `dateModified` forward, so a customer never leaves that filter
 * during the read either.
 *
 * Each customer's addresses are one more request (search answers carry
 * none), made through the engine's gate, so that searches and address reads
 * together stay within `--concurrency`.
 */

/** The range of creation times: from the epoch to a day past now, both ends left open on the wire. */
const start = 0;
const endOf = (now: number) => Math.ceil((now + 86_400_000) / 1000) * 1000;

/** A customer of a search answer, with its record once its addresses are read. */
interface Found {
  wire: WireCustomer;
  record?: Customer;
}

/**
 * A query that names one customer: `id = N`, or `key = K` where K is not a
 * number (so it can only be a sourceId under the profile's source). Looked up
 * directly instead of reading the whole base; null when no customer can
 * match (a sourceId key on a profile without a source).
 */
function directLookup(source: string | undefined, query: ReadQuery): { id: string } | { sourceId: string; source: string } | null | undefined {
  const equal = (field: string) => query.where.find((c) => c.field === field && c.op === '=')?.value.trim();
  const id = equal('id');
  if (id !== undefined && /^\d+$/.test(id)) return { id: String(Number(id)) };
  const key = equal('key');
  if (key === undefined || key === '' || /^-?\d+$/.test(key)) return undefined;
  return source ? { sourceId: key, source } : null;
}

/** The creation-time source of a read (`end`: where the range stops, a day past now). */
function rangeSource(ctx: DialectContext, query: ReadQuery, end: number): RangeSource<Found> {
  const options = { profileName: ctx.profileName, source: ctx.profile.source?.trim() || undefined };
  const filters = pushDown(query);
  /** Where a customer lies in the range; one stamped outside it (a server clock far off) counts as the nearest end, which the open ends read. */
  const positionOf = (found: Found): number | undefined => {
    const iso = isoInstant(found.wire.dateCreated);
    const at = iso === undefined ? Number.NaN : Date.parse(iso);
    return Number.isNaN(at) ? undefined : Math.min(Math.max(at, start), end - 1000);
  };
  return {
    name: `POST customers/search (dateCreated) of profile "${ctx.profileName}"`,
    pageSize: pageSizeOf(ctx),
    maxPageSize,
    resolution: 1000,
    async fetch(range, page, limit) {
      // Both bounds of the search are inclusive and whole seconds, as the answered times are: a window
      // [from, to) asks for from … to - 1 s. The outer ends are not sent, so nothing before or after the
      // range (a server clock far off) is missed.
      const dateCreated = { ...(range.from > start ? { from: localTime(range.from) } : {}), ...(range.to < end ? { to: localTime(range.to - 1000) } : {}) };
      const answer = await searchPage(ctx, page, limit, { ...filters, ...(Object.keys(dateCreated).length > 0 ? { dateCreated } : {}) });
      return { items: answer.data.map((wire) => ({ wire })), total: answer.total };
    },
    keyOf: (found) => String(found.wire.id),
    positionOf,
    enrich: (items, gate) => withAddresses(ctx, items, gate, query, options),
  };
}

export async function* readPropeller(ctx: DialectContext, query: ReadQuery): AsyncGenerator<Customer> {
  if (query.limit !== undefined && query.limit <= 0) return;
  const options = { profileName: ctx.profileName, source: ctx.profile.source?.trim() || undefined };
  const lookup = directLookup(options.source, query);
  if (lookup === null) return;
  if (lookup) {
    const wire = await getCustomer(ctx, lookup, true);
    const addresses = wire && (await customerAddresses(ctx, wire.id));
    if (wire && addresses) {
      const record = toCanonical(wire, addresses, options);
      if (matches(record, query)) yield record;
    }
    return;
  }

  const end = endOf(Date.now());
  const source = rangeSource(ctx, query, end);
  // The server applies the whole query only when there is no condition left for the client.
  const want = query.where.length === 0 && query.since === undefined ? query.limit : undefined;
  const log = (line: string) => ctx.log.verbose(line);
  const pages = readPartitions(rangeWindowPlan(source, { range: { from: start, to: end }, concurrency: ctx.concurrency, want, log }), {
    concurrency: ctx.concurrency,
    log,
  });
  yield* recordsOf(pages, query.limit);
}

/** The customers of a read's pages, up to `limit`. */
async function* recordsOf(pages: AsyncIterable<Found[]>, limit: number | undefined): AsyncGenerator<Customer> {
  let count = 0;
  for await (const page of pages) {
    for (const found of page) {
      if (!found.record) continue;
      yield found.record;
      count += 1;
      if (limit !== undefined && count >= limit) return;
    }
  }
}

/** `migrate --workers`: creation-time parts, each read by the engine's windows within it. */
export const splitPropeller: DialectSplit = {
  plan: (ctx, query) => planRangeParts(rangeSource(ctx, query, endOf(Date.now())), { range: { from: start, to: endOf(Date.now()) }, concurrency: ctx.concurrency }),
  read: (ctx, query, part) => {
    // An open part ends where this process's range does (a day past its now).
    const end = endOf(Date.now());
    const log = (line: string) => ctx.log.verbose(line);
    return recordsOf(readPart(rangePartPlan(rangeSource(ctx, query, end), part, { end, concurrency: ctx.concurrency, log }), ctx), query.limit);
  },
};

/**
 * The customers of a window that the query keeps, with their addresses (one
 * request each, through `gate`, in the window's order). The query never looks
 * at addresses, so customers it drops have none fetched; with `--limit`, no
 * window fetches more than the limit. A customer deleted after the search
 * answered (404, or 405 from the recycle bin) is left out: it did not exist
 * for the whole read.
 */
async function withAddresses(
  ctx: DialectContext,
  items: Found[],
  gate: Gate,
  query: ReadQuery,
  options: { profileName: string; source?: string },
): Promise<Found[]> {
  // Mapped twice only when there is a condition to check before the addresses are read.
  const filtered = query.where.length > 0 || query.since !== undefined;
  let kept = filtered ? items.filter((found) => matches(toCanonical(found.wire, [], options), query)) : items;
  if (query.limit !== undefined) kept = kept.slice(0, query.limit);
  const addresses = await Promise.all(kept.map((found) => gate.run(() => customerAddresses(ctx, found.wire.id))));
  const out: Found[] = [];
  kept.forEach((found, i) => {
    const list = addresses[i];
    if (list === undefined) ctx.log.verbose(`read: propeller customer ${String(found.wire.id)} was deleted during the read`);
    else out.push({ wire: found.wire, record: toCanonical(found.wire, list, options) });
  });
  return out;
}
