import type { DialectContext } from '../../core/dialect.js';
import { UserError } from '../../core/errors.js';
import { mapConcurrent } from '../../core/concurrent.js';
import type { ReadQuery } from '../../core/query.js';
import { parseJsonBody, type HttpResponse } from '../../http/client.js';
import { searchTime } from './dates.js';
import { failureError } from './errors.js';
import {
  AddressesAnswerSchema,
  BulkAnswerSchema,
  OneCustomerAnswerSchema,
  SearchAnswerSchema,
  type BulkItem,
  type WireAddress,
  type WireCustomer,
  type WireCustomerInput,
} from './schema.js';

/**
 * The HTTP side of the propeller dialect: search paging, lookups by key,
 * addresses per customer, bulk upserts. Auth (OAuth2 client credentials,
 * refresh on 401) is the HTTP core's.
 *
 * The search endpoint filters on `debtorIds`, `dateCreated` and
 * `dateModified` only, and a server ignores fields it does not know: nothing
 * here ever asks it for an email or a sourceId, and whatever it answers is
 * filtered on the client.
 */

/** Propeller's largest page (`offset`) and bulk batch. */
export const maxPageSize = 100;
export const maxBatchSize = 100;

export function pageSizeOf(ctx: Pick<DialectContext, 'profile'>): number {
  return Math.min(ctx.profile.pageSize ?? maxPageSize, maxPageSize);
}

export function batchSizeOf(ctx: Pick<DialectContext, 'profile'>): number {
  return Math.min(ctx.profile.batchSize ?? maxBatchSize, maxBatchSize);
}

/** The profile's `source`, which writing and lookups by sourceId need. */
export function sourceOf(ctx: Pick<DialectContext, 'profile' | 'profileName'>): string {
  const source = ctx.profile.source?.trim();
  if (!source) {
    throw new UserError(
      `profile "${ctx.profileName}": source is missing`,
      'propeller profiles name the external system written beside sourceId, e.g. "source": "ERP"',
    );
  }
  return source;
}

/** The filters the search endpoint knows (SPEC section 8). */
export interface SearchFilters {
  dateModified?: { from?: string; to?: string };
  dateCreated?: { from?: string; to?: string };
  debtorIds?: string[];
}

/** What of the query the search can filter on: `--since` as `dateModified.from` (local time, UTC, to the second). */
export function pushDown(query: ReadQuery): SearchFilters {
  return query.since ? { dateModified: { from: searchTime(query.since) } } : {};
}

export type SearchPage = ReturnType<typeof SearchAnswerSchema.parse>;

/** One page of `POST /customers/search?expands=sources` (read-only, so retried like a GET). */
export async function searchPage(ctx: DialectContext, page: number, offset: number, filters: SearchFilters, sources = true): Promise<SearchPage> {
  const response = await ctx.http.send({
    method: 'POST',
    path: 'customers/search',
    query: sources ? { expands: 'sources' } : undefined,
    json: { page, offset, ...filters },
    idempotent: true,
  });
  if (response.status !== 200) throw failureError(response);
  return parseJsonBody(response, SearchAnswerSchema);
}

/** Every page of a search, in order; stops early when the caller stops iterating. */
export async function* searchAll(ctx: DialectContext, filters: SearchFilters, options: { sources?: boolean; pageSize?: number } = {}): AsyncGenerator<WireCustomer[]> {
  const offset = options.pageSize ?? pageSizeOf(ctx);
  for (let page = 1; ; page += 1) {
    const answer = await searchPage(ctx, page, offset, filters, options.sources ?? true);
    if (answer.data.length > 0) yield answer.data;
    const pages = answer.pages ?? Math.ceil(answer.total / offset);
    if (answer.data.length === 0 || page >= pages) return;
  }
}

/**
 * The addresses of each customer, one request per customer (all types at
 * once), at most `ctx.concurrency` in flight; in the order of `customers`.
 */
export async function addressesOf(ctx: DialectContext, customers: WireCustomer[]): Promise<WireAddress[][]> {
  return mapConcurrent(customers, ctx.concurrency, (customer) => addressesById(ctx, customer.id));
}

async function addressesById(ctx: DialectContext, id: number | string): Promise<WireAddress[]> {
  // Deleted between the search and now: it has no addresses to read.
  return (await customerAddresses(ctx, id)) ?? [];
}

/**
 * `GET /customers/id/{id}/addresses` (all types): undefined when the customer
 * is gone (404, or 405 once it is in the Recycle Bin).
 */
export async function customerAddresses(ctx: DialectContext, id: number | string): Promise<WireAddress[] | undefined> {
  const response = await ctx.http.send({ method: 'GET', path: `customers/id/${encodeURIComponent(String(id))}/addresses` });
  if (response.status === 404 || response.status === 405) return undefined;
  if (response.status !== 200) throw failureError(response);
  return parseJsonBody(response, AddressesAnswerSchema).data;
}

/** `POST /customers/bulk/sourceId`: an upsert keyed on sourceId + source, so it may be retried. */
export async function bulkUpsert(ctx: DialectContext, customers: WireCustomerInput[]): Promise<{ items?: BulkItem[]; failure?: HttpResponse }> {
  const response = await ctx.http.send({ method: 'POST', path: 'customers/bulk/sourceId', json: { customers }, idempotent: true });
  if (response.status < 200 || response.status >= 300) return { failure: response };
  return { items: parseJsonBody(response, BulkAnswerSchema).data };
}

/**
 * `GET /customers/{lookupKey}/{value}` (`sourceId` with `?source=`); undefined
 * when there is none (404) or it is in the Recycle Bin (405). With
 * `sources`, the answer carries them (`expands=sources`).
 */
export async function getCustomer(
  ctx: DialectContext,
  lookup: { sourceId: string; source: string } | { id: string },
  sources = false,
): Promise<WireCustomer | undefined> {
  const byId = 'id' in lookup;
  const response = await ctx.http.send({
    method: 'GET',
    path: byId ? `customers/id/${encodeURIComponent(lookup.id)}` : `customers/sourceId/${encodeURIComponent(lookup.sourceId)}`,
    query: { ...(byId ? {} : { source: lookup.source }), ...(sources ? { expands: 'sources' } : {}) },
  });
  if (response.status === 404 || response.status === 405) return undefined;
  if (response.status !== 200) throw failureError(response);
  return parseJsonBody(response, OneCustomerAnswerSchema).data;
}

/** The ids of the customers with these sourceIds under `source`, one lookup each (for `--mode create|update`). */
export async function existingIds(ctx: DialectContext, sourceIds: string[], source: string): Promise<Map<string, string>> {
  const found = await mapConcurrent(sourceIds, ctx.concurrency, (sourceId) => getCustomer(ctx, { sourceId, source }));
  const out = new Map<string, string>();
  found.forEach((customer, i) => {
    if (customer) out.set(sourceIds[i], String(customer.id));
  });
  return out;
}
