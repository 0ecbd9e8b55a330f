import type { Customer } from '../../core/customer.js';
import type { DialectContext } from '../../core/dialect.js';
import { applyQuery, type ReadQuery } from '../../core/query.js';
import { readOverlapping, type OffsetSource } from '../../core/read/overlap.js';
import { listPage, maxPageSize, pageSize, pushDown } from './client.js';
import type { CustomerNode } from './schema.js';

/**
 * How `pull` reads the ResultSet API (docs/dialects/resultset.md,
 * "Reading"). The document offers only `page`/`limit` paging and exact
 * filters, no key range, so this is position paging made shift-proof
 * (core/read/overlap.ts): reads go out concurrently and overlap by a few
 * customers, each seam is checked by username, a gap is read again, and
 * repeats are dropped.
 */
export function readResultset(ctx: DialectContext, query: ReadQuery, toCanonical: (node: CustomerNode) => Customer): AsyncIterable<Customer> {
  const filters = pushDown(query);
  // Pages are mapped as they arrive, not as they are handed on: the mapping then overlaps the wait for the read the output needs next.
  const source: OffsetSource<Customer> = {
    name: `GET /API/V3/Customer+UserCustomerGroups of profile "${ctx.profileName}"`,
    pageSize: pageSize(ctx),
    maxPageSize,
    async fetch(page, limit) {
      const { items, total } = await listPage(ctx, filters, page, limit);
      return { items: items.map((node: CustomerNode) => toCanonical(node)), total };
    },
    keyOf: (customer) => customer.key,
  };
  // The server applies the whole query only when every condition went to it: --since, and exact matches it takes.
  const exact = query.where.every((c) => c.op === '=' && ['key', 'email', 'phone', 'altPhone'].includes(c.field));
  const want = exact && query.where.length <= 1 ? query.limit : undefined;
  async function* records(): AsyncGenerator<Customer> {
    for await (const page of readOverlapping(source, { concurrency: ctx.concurrency, want, log: (line) => ctx.log.verbose(line) })) {
      yield* page;
    }
  }
  return applyQuery(records(), query);
}
