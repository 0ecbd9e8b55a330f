import type { Customer } from '../../core/customer.js';
import type { DialectContext } from '../../core/dialect.js';
import { ProtocolError } from '../../core/errors.js';
import { applyQuery, type ReadQuery } from '../../core/query.js';
import { readPartitions } from '../../core/read/engine.js';
import { idWindowPlan, type IdWindowSource } from '../../core/read/id-windows.js';
import type { WireCustomer } from './schema.js';

/**
 * How `pull` reads Cabinetry.Online (docs/dialects/cabinetry.md,
 * "Reading"): id windows `filter[id][gt]` … `filter[id][lte]`, read
 * concurrently, each by keyset paging on `filter[id][gt]` (always
 * `current_page=1`). Both bounds are search criteria of the document, so a
 * window is an id range on the server, and its `total_count` says what is
 * left in it: the last page of a window needs no extra request, and a
 * total that drops more than a page explains makes the engine read that
 * page's range again (core/read/keyset.ts).
 */
export interface CabinetryPage {
  items: WireCustomer[];
  total: number;
}

export interface CabinetryLister {
  pageSize: number;
  /** `GET /api/admin/customers` with these parameters (criteria, bounds, paging). */
  list(params: Record<string, string | number>): Promise<CabinetryPage>;
}

function idOf(customer: WireCustomer): number {
  const id = Number(customer.id);
  if (!Number.isSafeInteger(id)) throw new ProtocolError(`Cabinetry answered a customer id "${String(customer.id)}" that is not a whole number: custsync pages by id`);
  return id;
}

/**
 * The id-window source of a read. Pages are mapped (`toCanonical`) as they arrive, not as they are
 * handed on: the mapping then overlaps the wait for the page the output needs next.
 */
export function idSource(
  ctx: DialectContext,
  criteria: Record<string, string>,
  lister: CabinetryLister,
  toCanonical: (wire: WireCustomer) => Customer,
): IdWindowSource<Customer> {
  const bounds = (after: number, upTo?: number) => ({ ...criteria, 'filter[id][gt]': String(after), ...(upTo === undefined ? {} : { 'filter[id][lte]': String(upTo) }) });
  return {
    name: `GET api/admin/customers (filter[id][gt]) of profile "${ctx.profileName}"`,
    pageSize: lister.pageSize,
    keyOf: (customer) => Number(customer.key),
    async fetch(after, upTo) {
      const page = await lister.list({ ...bounds(after, upTo), current_page: 1, page_size: lister.pageSize });
      page.items.forEach(idOf);
      return { items: page.items.map(toCanonical), total: page.total, complete: page.total <= page.items.length };
    },
    // The first answer's total_count: no request.
    count: async (_after, first) => (await first).total,
    async keyAt(after, index) {
      const page = await lister.list({ ...bounds(after), current_page: index + 1, page_size: 1 });
      return page.items[0] === undefined ? undefined : idOf(page.items[0]);
    },
  };
}

export function readWindows(
  ctx: DialectContext,
  query: ReadQuery,
  criteria: Record<string, string>,
  lister: CabinetryLister,
  toCanonical: (wire: WireCustomer) => Customer,
): AsyncGenerator<Customer[]> {
  const source = idSource(ctx, criteria, lister, toCanonical);
  // The server applies the whole query only when there is no condition left for the client.
  const want = query.where.length === 0 ? query.limit : undefined;
  return readPartitions(idWindowPlan(source, { after: 0, concurrency: ctx.concurrency, want }), {
    concurrency: ctx.concurrency,
    log: (line) => ctx.log.verbose(line),
  });
}

export function recordsOf(pages: AsyncIterable<Customer[]>, query: ReadQuery): AsyncGenerator<Customer> {
  async function* records(): AsyncGenerator<Customer> {
    for await (const page of pages) yield* page;
  }
  return applyQuery(records(), query);
}
