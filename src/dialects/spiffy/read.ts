import type { Customer } from '../../core/customer.js';
import type { DialectContext } from '../../core/dialect.js';
import { applyQuery, type ReadQuery } from '../../core/query.js';
import { flatten, readPartitions } from '../../core/read/engine.js';
import { idWindowPlan, type IdWindowSource } from '../../core/read/id-windows.js';
import { idPartPlan, planIdParts, readPart, type DialectSplit } from '../../core/read/parts.js';
import { SpiffyApi } from './client.js';
import { pushDown } from './filters.js';
import { fromWire } from './mapping.js';
import type { SpiffyCustomer } from './schema.js';

/**
 * How `pull` reads Spiffy (docs/dialects/spiffy.md, "Reading"): keyset
 * paging on `since_id` in id windows read concurrently. The list filters
 * go to the server (`filters.ts`) and the whole query is applied again on
 * the client.
 *
 * The document promises that `since_id` keeps ids above the one given; it
 * does not say in what order a page comes. custsync needs the lowest ids
 * first (the order Spiffy lists customers in) and checks every page for
 * it: a page out of order stops the read (exit 3) rather than risk a loss.
 * A window's upper bound is applied here, as the API has no `max_id`.
 */
function spiffySource(ctx: DialectContext, query: ReadQuery): { source: IdWindowSource<Customer>; after: number } {
  const api = new SpiffyApi(ctx);
  const { since_id: sinceId, ...filters } = pushDown(query);
  const after = sinceId === undefined ? 0 : Number(sinceId);
  // Pages are mapped as they arrive, not as they are handed on: the mapping then overlaps the wait for the page the output needs next.
  const source: IdWindowSource<Customer> = {
    name: `GET api/customers.json (since_id) of profile "${ctx.profileName}"`,
    pageSize: api.pageSize,
    keyOf: (customer) => Number(customer.key),
    async fetch(from) {
      const items = await api.after(filters, from);
      return { items: items.map((wire: SpiffyCustomer) => fromWire(wire, ctx.profileName)), complete: items.length < api.pageSize };
    },
    // Asked beside the first page, so the windows can start one request earlier. count.json takes
    // every list filter but `ids`; a list of ids is short anyway.
    count: async (from, _first, gate) => (filters.ids === undefined ? gate.run(() => api.count({ ...filters, since_id: String(from) })) : undefined),
    keyAt: (from, index) => api.idAt(filters, from, index),
  };
  return { source, after };
}

export function readSpiffy(ctx: DialectContext, query: ReadQuery): AsyncIterable<Customer> {
  const { source, after } = spiffySource(ctx, query);
  // The server applies the whole query only when there is no condition left for the client.
  const want = query.where.length === 0 && query.since === undefined ? query.limit : undefined;
  const pages = readPartitions(idWindowPlan(source, { after, concurrency: ctx.concurrency, want }), {
    concurrency: ctx.concurrency,
    log: (line) => ctx.log.verbose(line),
  });
  return applyQuery(flatten(pages), query);
}

/** `migrate --workers`: id parts (core/read/parts.ts), each read by keyset paging. */
export const splitSpiffy: DialectSplit = {
  plan: (ctx, query) => {
    const { source, after } = spiffySource(ctx, query);
    return planIdParts(source, { after, concurrency: ctx.concurrency });
  },
  read: (ctx, query, part) => {
    const { source, after } = spiffySource(ctx, query);
    // A `since_id` above the part's lower bound narrows it.
    const narrowed = { ...part, from: Math.max(part.from, after) };
    return applyQuery(flatten(readPart(idPartPlan(source, narrowed), ctx)), query);
  },
};
