import type { DialectContext } from '../../core/dialect.js';
import { RemoteError, snippet } from '../../core/errors.js';
import type { Condition, ReadQuery, WhereField } from '../../core/query.js';
import type { HttpRequest, HttpResponse } from '../../http/client.js';
import { customerWithGroups, formatSpec, userGroupsSpec, type ResourceSpec } from './resource-spec.js';
import {
  CustomerListAnswer,
  CustomerOneAnswer,
  UpsertAnswer,
  UserGroupsAnswer,
  errorMessage,
  parseAnswer,
  type CustomerColumn,
  type CustomerNode,
  type UserGroupNode,
} from './schema.js';
import { buildXml } from './xml.js';

/**
 * HTTP of the ResultSet API (SPEC section 8 `resultset`): paging, the one
 * customer GET, the batch upsert and the UserGroups resource. Everything goes
 * through the shared HTTP core (retries, rate limit, auth, body cap).
 */

const xmlHeaders = { accept: 'application/xml', 'content-type': 'application/xml; charset=utf-8' };
export const defaultPageSize = 100;
export const maxPageSize = 1000;

/** `/API/V3/{spec}` or `/API/V3/{spec}/{key}` (the key URL-encoded). */
export function resourcePath(resource: ResourceSpec, key?: string): string {
  return `/API/V3/${formatSpec(resource)}${key === undefined ? '' : `/${encodeURIComponent(key)}`}`;
}

async function send(ctx: DialectContext, req: Omit<HttpRequest, 'headers'>): Promise<HttpResponse> {
  return ctx.http.send({ ...req, headers: xmlHeaders });
}

/** Any answer outside 2xx that the HTTP core handed back (it already stopped on 401/403/5xx): the run stops. */
function ensureOk(response: HttpResponse, hint?: string): HttpResponse {
  if (response.status >= 200 && response.status < 300) return response;
  throw new RemoteError(`${response.label} answered ${response.status}: ${errorMessage(response)}`, {
    status: response.status,
    bodySnippet: snippet(response.text),
    hint,
  });
}

/** Canonical fields that are one Customer column, so that `field = value` can be a query parameter. */
const filterColumns: Partial<Record<WhereField, CustomerColumn>> = {
  key: 'username',
  email: 'email',
  phone: 'phone_day',
  altPhone: 'phone_night',
};

/** The query parameters a query pushes down: exact matches on columns and `updated_since`. The rest is applied on the client. */
export function pushDown(query: ReadQuery): Record<string, string> {
  const params: Record<string, string> = {};
  if (query.since) params.updated_since = query.since.toISOString();
  for (const condition of query.where as Condition[]) {
    const name = condition.op === '=' ? filterColumns[condition.field] : undefined;
    if (name && params[name] === undefined) params[name] = condition.value;
  }
  return params;
}

export function pageSize(ctx: DialectContext): number {
  return Math.min(ctx.profile.pageSize ?? defaultPageSize, maxPageSize);
}

/** One page of `<Customer>` nodes (positions (page-1)·limit … page·limit-1) and the list's total. */
export async function listPage(ctx: DialectContext, filters: Record<string, string>, page: number, limit: number): Promise<{ items: CustomerNode[]; total: number }> {
  const response = ensureOk(
    await send(ctx, { method: 'GET', path: resourcePath(customerWithGroups), query: { ...filters, page, limit } }),
    `check pageSize of profile "${ctx.profileName}" (at most ${maxPageSize})`,
  );
  const answer = parseAnswer(response, CustomerListAnswer).ResultSet;
  return { items: answer.Customer ?? [], total: Number(answer['@total']) };
}

/** Pages of `<Customer>` nodes, in order, one page in memory at a time. */
export async function* listCustomers(ctx: DialectContext, filters: Record<string, string>, limit = pageSize(ctx)): AsyncGenerator<CustomerNode[]> {
  for (let page = 1; ; page += 1) {
    const response = ensureOk(
      await send(ctx, { method: 'GET', path: resourcePath(customerWithGroups), query: { ...filters, page, limit } }),
      `check pageSize of profile "${ctx.profileName}" (at most ${maxPageSize})`,
    );
    const answer = parseAnswer(response, CustomerListAnswer).ResultSet;
    const customers = answer.Customer ?? [];
    if (customers.length > 0) yield customers;
    if (customers.length === 0 || customers.length < limit || page * limit >= Number(answer['@total'])) return;
  }
}

/** The `total` attribute of a one-record list. */
export async function countCustomers(ctx: DialectContext): Promise<number> {
  const response = ensureOk(await send(ctx, { method: 'GET', path: resourcePath(customerWithGroups), query: { page: 1, limit: 1 } }));
  return Number(parseAnswer(response, CustomerListAnswer).ResultSet['@total']);
}

/** One customer by username, or undefined on `404`. */
export async function getCustomer(ctx: DialectContext, username: string): Promise<CustomerNode | undefined> {
  const response = await send(ctx, { method: 'GET', path: resourcePath(customerWithGroups, username) });
  if (response.status === 404) return undefined;
  return parseAnswer(ensureOk(response), CustomerOneAnswer).ResultSet.Customer[0];
}

export interface UpsertResult {
  username?: string;
  code?: string;
  action?: 'create' | 'update';
  error?: string;
}

/**
 * One `POST /API/V3/Customer+UserCustomerGroups` with many `<Customer>`s.
 * The upsert is keyed by username, so sending it again is safe (idempotent).
 */
export async function upsertCustomers(ctx: DialectContext, customers: CustomerNode[]): Promise<UpsertResult[]> {
  const response = ensureOk(
    await send(ctx, { method: 'POST', path: resourcePath(customerWithGroups), body: buildXml({ ResultSet: { Customer: customers } }), idempotent: true }),
    `if the batch is too large, lower batchSize of profile "${ctx.profileName}"`,
  );
  return parseAnswer(response, UpsertAnswer).ResultSet.Result ?? [];
}

/** Every UserGroup code on the target (read once per run). */
export async function listUserGroups(ctx: DialectContext): Promise<Set<string>> {
  const codes = new Set<string>();
  for (let page = 1; ; page += 1) {
    const response = ensureOk(await send(ctx, { method: 'GET', path: resourcePath(userGroupsSpec), query: { page, limit: maxPageSize } }));
    const answer = parseAnswer(response, UserGroupsAnswer).ResultSet;
    const groups = answer.UserGroup ?? [];
    for (const group of groups) codes.add(group.code);
    const total = answer['@total'] === undefined ? undefined : Number(answer['@total']);
    if (groups.length < maxPageSize || total === undefined || page * maxPageSize >= total) return codes;
  }
}

/** Creates UserGroups; returns the refusals by code (an empty map when all were created). */
export async function createUserGroups(ctx: DialectContext, groups: Array<Pick<UserGroupNode, 'code' | 'title'>>): Promise<Map<string, string>> {
  const response = ensureOk(
    await send(ctx, { method: 'POST', path: resourcePath(userGroupsSpec), body: buildXml({ ResultSet: { UserGroup: groups } }), idempotent: true }),
  );
  const refused = new Map<string, string>();
  for (const result of parseAnswer(response, UpsertAnswer).ResultSet.Result ?? []) {
    if (result.error && result.code) refused.set(result.code, result.error);
  }
  return refused;
}
