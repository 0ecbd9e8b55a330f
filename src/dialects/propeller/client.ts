import type { Customer } from '../../core/customer.js';
import type { DialectContext } from '../../core/dialect.js';
import { UserError } from '../../core/errors.js';
import { mapConcurrent } from '../../core/concurrent.js';
import type { Condition, ReadQuery } from '../../core/query.js';
import { parseJsonBody, type HttpResponse } from '../../http/client.js';
import { failureError } from './errors.js';
import {
  AddressesAnswerSchema,
  addressTypes,
  BulkAnswerSchema,
  OneCustomerAnswerSchema,
  SearchAnswerSchema,
  type AddressType,
  type BulkItem,
  type WireAddress,
  type WireAddressInput,
  type WireCustomer,
  type WireCustomerInput,
} from './schema.js';

/**
 * The HTTP side of the propeller dialect: search paging, addresses per
 * customer, bulk upserts, lookups. Auth (OAuth2 client credentials, refresh
 * on 401) is the HTTP core's.
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

export interface SearchFilters {
  email?: string;
  dateModified?: { from?: string; to?: string };
  sourceIds?: string[];
}

/**
 * What of the query the search endpoint can filter on: `--since` as
 * `dateModified.from`, `email =`, and `key =` as `sourceIds` (unless the key
 * is all digits: such a key may be the id of a customer without sourceId).
 * The rest is applied on the client.
 */
export function pushDown(query: ReadQuery): SearchFilters {
  const filters: SearchFilters = {};
  if (query.since) filters.dateModified = { from: query.since.toISOString() };
  const equal = (field: Condition['field']) => query.where.filter((c) => c.field === field && c.op === '=');
  const [email] = equal('email');
  if (email && email.value.trim() !== '') filters.email = email.value.trim();
  const [key] = equal('key');
  if (key && key.value !== '' && !/^\d+$/.test(key.value)) filters.sourceIds = [key.value];
  return filters;
}

export type SearchPage = ReturnType<typeof SearchAnswerSchema.parse>;

/** One page of `POST /customers/search` (read-only, so retried like a GET). */
export async function searchPage(ctx: DialectContext, page: number, offset: number, filters: SearchFilters): Promise<SearchPage> {
  const response = await ctx.http.send({ method: 'POST', path: 'customers/search', json: { page, offset, ...filters }, idempotent: true });
  if (response.status !== 200) throw failureError(response);
  return parseJsonBody(response, SearchAnswerSchema);
}

/** Every page of a search, in order; stops early when the caller stops iterating. */
export async function* searchAll(ctx: DialectContext, filters: SearchFilters): AsyncGenerator<WireCustomer[]> {
  const offset = pageSizeOf(ctx);
  for (let page = 1; ; page += 1) {
    const answer = await searchPage(ctx, page, offset, filters);
    if (answer.data.length > 0) yield answer.data;
    if (answer.data.length === 0 || page >= answer.pages) return;
  }
}

/**
 * The invoice and delivery addresses of each customer of a page, fetched
 * with at most `ctx.concurrency` requests in flight; the result is in the
 * order of `customers`.
 */
export async function addressesOf(ctx: DialectContext, customers: WireCustomer[]): Promise<WireAddress[][]> {
  const jobs = customers.flatMap((customer) => addressTypes.map((type) => ({ id: customer.id, type })));
  const found = await mapConcurrent(jobs, ctx.concurrency, (job) => addressesByType(ctx, job.id, job.type));
  return customers.map((_, i) => addressTypes.flatMap((__, t) => found[i * addressTypes.length + t]));
}

async function addressesByType(ctx: DialectContext, id: number, type: AddressType): Promise<WireAddress[]> {
  const response = await ctx.http.send({ method: 'GET', path: `customers/id/${id}/addresses`, query: { type } });
  // Deleted between the search and now: it has no addresses to read.
  if (response.status === 404) return [];
  if (response.status !== 200) throw failureError(response);
  return parseJsonBody(response, AddressesAnswerSchema).data;
}

/** `POST /customers/bulk/sourceId`: an upsert keyed on sourceId + source, so it may be retried. */
export async function bulkUpsert(ctx: DialectContext, customers: WireCustomerInput[]): Promise<{ items?: BulkItem[]; failure?: HttpResponse }> {
  const response = await ctx.http.send({ method: 'POST', path: 'customers/bulk/sourceId', json: { customers }, idempotent: true });
  if (response.status < 200 || response.status >= 300) return { failure: response };
  return { items: parseJsonBody(response, BulkAnswerSchema).data };
}

/** The addresses bulk endpoint of one customer: matched on type + code, so a re-run updates them. */
export async function bulkAddresses(ctx: DialectContext, customerId: string, addresses: WireAddressInput[]): Promise<{ items?: BulkItem[]; failure?: HttpResponse }> {
  const response = await ctx.http.send({ method: 'POST', path: `customers/id/${encodeURIComponent(customerId)}/addresses/bulk`, json: { addresses }, idempotent: true });
  if (response.status < 200 || response.status >= 300) return { failure: response };
  return { items: parseJsonBody(response, BulkAnswerSchema).data };
}

/** `GET /customers/sourceId/{key}?source=…`; undefined when there is none (404) or it is in the Recycle Bin (405). */
export async function getBySourceId(ctx: DialectContext, sourceId: string, source: string): Promise<WireCustomer | undefined> {
  const response = await ctx.http.send({ method: 'GET', path: `customers/sourceId/${encodeURIComponent(sourceId)}`, query: { source } });
  if (response.status === 404 || response.status === 405) return undefined;
  if (response.status !== 200) throw failureError(response);
  return parseJsonBody(response, OneCustomerAnswerSchema).data;
}

/** The ids of the customers with these sourceIds under `source` (for `--mode create|update`). */
export async function existingIds(ctx: DialectContext, sourceIds: string[], source: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (sourceIds.length === 0) return found;
  for await (const page of searchAll(ctx, { sourceIds })) {
    for (const customer of page) {
      if (customer.sourceId && customer.source === source) found.set(customer.sourceId, String(customer.id));
    }
  }
  return found;
}

/**
 * Who already has this email on Propeller, other than the customer with this
 * sourceId + source: the bulk upsert keys on sourceId, so writing the record
 * would create a second customer with the same email.
 */
export async function otherOwnerOfEmail(ctx: DialectContext, record: Customer, source: string): Promise<string | undefined> {
  if (!record.email) return undefined;
  const answer = await searchPage(ctx, 1, 10, { email: record.email });
  const other = answer.data.find((customer) => !(customer.sourceId === record.key && customer.source === source));
  if (!other) return undefined;
  const owner = other.sourceId ? `sourceId ${other.sourceId}, source ${other.source ?? '(none)'}` : 'no sourceId';
  const fix =
    other.sourceId === record.key && other.source
      ? `set "source": "${other.source}" in the profile to update it instead`
      : `map the key to that customer's sourceId (and the profile's source to its source) to update it instead`;
  return `email ${record.email} already belongs to Propeller customer id ${other.id} (${owner}): not created, so that the email keeps one customer; ${fix}`;
}
