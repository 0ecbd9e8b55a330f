import { stableStringify } from '../../core/stable-json.js';
import type { z } from 'zod';
import { emailKey, type Customer } from '../../core/customer.js';
import type { DialectContext, WriteMode, WriteOptions, WriteResult } from '../../core/dialect.js';
import { RemoteError, UserError, snippet } from '../../core/errors.js';
import type { ReadQuery } from '../../core/query.js';
import { checkBody, parseJsonBody, type HttpRequest, type HttpResponse } from '../../http/client.js';
import { criteriaParams, planSearch } from './criteria.js';
import { idSource, readWindows, recordsOf, type CabinetryLister } from './read.js';
import { idPartPlan, planIdParts, readPart, type DialectSplit } from '../../core/read/parts.js';
import { fromWire, toWire } from './mapping.js';
import { mapUnordered } from '../../core/concurrent.js';
import { ErrorEnvelopeSchema, ListEnvelopeSchema, OneEnvelopeSchema, type WireCustomer, type WirePayload } from './schema.js';

/**
 * HTTP side of the cabinetry dialect (SPEC section 8 `cabinetry`): paging
 * with `current_page`/`page_size`, search criteria, create/update with the
 * document's rules, and the `{success:0,error:{messages}}` envelope turned
 * into per-record rejections.
 */

const customersPath = 'api/admin/customers';
/** The API's largest `page_size`. */
export const maxPageSize = 100;

export function pageSizeOf(ctx: Pick<DialectContext, 'profile'>): number {
  return Math.min(ctx.profile.pageSize ?? maxPageSize, maxPageSize);
}

function isOk(response: HttpResponse): boolean {
  return response.status >= 200 && response.status < 300;
}

/** The messages of an error envelope, or undefined when the body is not one. */
export function errorMessages(response: HttpResponse): string[] | undefined {
  try {
    return messagesOf(JSON.parse(response.text));
  } catch {
    return undefined;
  }
}

/** The messages of a parsed body that is an error envelope; a success envelope (the common answer) is told at a glance, without zod. */
function messagesOf(body: unknown): string[] | undefined {
  if (typeof body === 'object' && body !== null && (body as { success?: unknown }).success === 1) return undefined;
  const parsed = ErrorEnvelopeSchema.safeParse(body);
  return parsed.success ? parsed.data.error.messages : undefined;
}

/** A 2xx answer validated by `schema`; any other status stops the run with the API's messages. */
function expectOk<S extends z.ZodType>(response: HttpResponse, schema: S): z.infer<S> {
  if (!isOk(response)) {
    const messages = errorMessages(response);
    throw new RemoteError(`${response.label} answered ${response.status}${messages ? `: ${messages.join('; ')}` : ''}`, {
      status: response.status,
      bodySnippet: snippet(response.text),
      hint: response.status === 400 ? `check pageSize (at most ${maxPageSize}) and the --where conditions` : undefined,
    });
  }
  return parseJsonBody(response, schema);
}

async function listPage(ctx: DialectContext, page: number, size: number, filters: Record<string, string>) {
  const response = await ctx.http.send({ method: 'GET', path: customersPath, query: { current_page: page, page_size: size, ...filters } });
  return expectOk(response, ListEnvelopeSchema);
}

/**
 * Every customer matching the query: criteria pushed down where safe, then
 * the whole query on the client; read in concurrent id windows (read.ts).
 */
function checkNoSince(query: ReadQuery): void {
  if (query.since) {
    throw new UserError('--since cannot be used with cabinetry: Cabinetry.Online customers carry no creation or change date', 'leave out --since, or use diff --since-last to see what changed');
  }
}

function listerOf(ctx: DialectContext): CabinetryLister {
  return {
    pageSize: pageSizeOf(ctx),
    async list(params: Record<string, string | number>) {
      const response = await ctx.http.send({ method: 'GET', path: customersPath, query: params });
      const data = expectOk(response, ListEnvelopeSchema);
      return { items: data.items, total: data.pagination.total_count };
    },
  };
}

const sourceOf = (ctx: DialectContext, query: ReadQuery) =>
  idSource(ctx, criteriaParams(planSearch(query.where).criteria), listerOf(ctx), (wire) => fromWire(wire, ctx.profileName));

export async function* readCustomers(ctx: DialectContext, query: ReadQuery): AsyncGenerator<Customer> {
  checkNoSince(query);
  const criteria = criteriaParams(planSearch(query.where).criteria);
  yield* recordsOf(readWindows(ctx, query, criteria, listerOf(ctx), (wire) => fromWire(wire, ctx.profileName)), query);
}

/** `migrate --workers`: id parts, each read by keyset paging within `filter[id][gt]`/`filter[id][lte]`. */
export const splitCustomers: DialectSplit = {
  plan: async (ctx, query) => {
    checkNoSince(query);
    return planIdParts(sourceOf(ctx, query), { after: 0, concurrency: ctx.concurrency });
  },
  read: (ctx, query, part) => {
    checkNoSince(query);
    return recordsOf(readPart(idPartPlan(sourceOf(ctx, query), part), ctx), query);
  },
};

/** `pagination.total_count` of a one-item page. */
export async function countCustomers(ctx: DialectContext): Promise<number> {
  return (await listPage(ctx, 1, 1, {})).pagination.total_count;
}

async function byId(ctx: DialectContext, id: string): Promise<WireCustomer | undefined> {
  const response = await ctx.http.send({ method: 'GET', path: `${customersPath}/${encodeURIComponent(id)}` });
  if (response.status === 404) return undefined;
  return expectOk(response, OneEnvelopeSchema).customer;
}

async function byEmail(ctx: DialectContext, email: string): Promise<WireCustomer | undefined> {
  const data = await listPage(ctx, 1, 10, { 'filter[email][eq]': email });
  const wanted = emailKey(email);
  return data.items.find((item) => emailKey(item.email ?? undefined) === wanted);
}

/** The existing customer a record stands for: by id when it came from this profile, else by email. */
async function locate(ctx: DialectContext, record: Customer): Promise<WireCustomer | undefined> {
  if (record.source && record.source.profile === ctx.profileName && /^\d+$/.test(record.source.id)) {
    const found = await byId(ctx, record.source.id);
    if (found) return found;
  }
  return record.email ? byEmail(ctx, record.email) : undefined;
}

export async function findCustomer(ctx: DialectContext, record: Customer): Promise<string | undefined> {
  const found = await locate(ctx, record);
  return found ? String(found.id) : undefined;
}

/**
 * True when sending `payload` would change nothing: an update leaves the
 * fields it does not send as they are (settings key by key), so only the sent
 * ones are compared, each in the form custsync itself would send.
 */
export function wouldChange(existing: WireCustomer, payload: WirePayload, profileName: string): boolean {
  const current = toWire(fromWire(existing, profileName)).payload as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(payload)) {
    if (key === 'settings') {
      const settings = (current.settings ?? {}) as Record<string, unknown>;
      if (Object.entries(value as Record<string, boolean>).some(([name, v]) => settings[name] !== v)) return true;
    } else if (stableStringify(current[key]) !== stableStringify(value)) {
      return true;
    }
  }
  return false;
}

type Outcome = Omit<WriteResult, 'record' | 'key'>;

/** The answer to a create or update as a per-record outcome; a 2xx that is not an envelope stops the run. */
function outcomeOf(response: HttpResponse, success: 'created' | 'updated'): Outcome {
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    body = undefined;
  }
  const messages = messagesOf(body);
  // A 4xx refused the record; a 5xx that was not retried leaves unknown whether it landed (SPEC section 6).
  const status = response.status >= 500 ? 'failed' : 'rejected';
  if (messages) return { status, reason: messages.join('; ') || `the API refused it (${response.status})` };
  if (!isOk(response)) return { status, reason: `the API answered ${response.status}: ${snippet(response.text, 200)}` };
  // Parsed once: a body that is not JSON stops the run as parseJsonBody says it.
  const { customer } = body === undefined ? parseJsonBody(response, OneEnvelopeSchema) : checkBody(response, body, OneEnvelopeSchema, 'body');
  return { status: success, id: String(customer.id) };
}

/** What is known before looking: the target was empty when the write began; the id the crosswalk has (a changed record). */
interface Hints {
  empty: boolean;
  knownId?: string;
}

async function writeOne(ctx: DialectContext, record: Customer, mode: WriteMode, hints: Hints): Promise<Outcome> {
  const { payload, problems } = toWire(record);
  if (problems.length > 0) return { status: 'rejected', reason: problems.join('; ') };
  if (mode === 'upsert' && hints.knownId !== undefined) {
    // Confirmed earlier and changed since: updated where it is, without a lookup; looked for again only when it is gone.
    const response = await ctx.http.send({ method: 'PUT', path: `${customersPath}/${encodeURIComponent(hints.knownId)}`, json: payload });
    if (response.status !== 404) return { ...outcomeOf(response, 'updated'), id: hints.knownId };
  }
  const existing = hints.empty && mode !== 'update' && hints.knownId === undefined ? undefined : await locate(ctx, record);
  if (existing) {
    const id = String(existing.id);
    if (mode === 'create') return { status: 'rejected', id, reason: `exists on the target as customer ${id} (--mode create)` };
    if (!wouldChange(existing, payload, ctx.profileName)) return { status: 'unchanged', id };
    const response = await ctx.http.send({ method: 'PUT', path: `${customersPath}/${encodeURIComponent(id)}`, json: payload });
    return outcomeOf(response, 'updated');
  }
  if (mode === 'update') return { status: 'rejected', reason: 'not found on the target (--mode update)' };
  const request: HttpRequest = {
    method: 'POST',
    path: customersPath,
    json: payload,
    // A create that may have landed before a 5xx or a broken connection: look for it by its (unique) email first.
    recover: async () => {
      const found = await byEmail(ctx, payload.email!);
      if (!found) return undefined;
      return { status: 200, headers: {}, text: JSON.stringify({ success: 1, customer: found }), label: `GET ${customersPath} (recovered create)` };
    },
  };
  return outcomeOf(await ctx.http.send(request), 'created');
}

/**
 * One result per record, `ctx.concurrency` records in flight at once. Into a
 * target that was empty when the write began nothing can be found, so no
 * lookup precedes a create (custsync sends one record per email a run).
 */
export function writeCustomers(ctx: DialectContext, records: AsyncIterable<Customer>, options: WriteOptions): AsyncGenerator<WriteResult> {
  let empty: Promise<boolean> | undefined;
  const emptyAtStart = () => (empty ??= options.mode === 'update' ? Promise.resolve(false) : countCustomers(ctx).then((n) => n === 0));
  return mapUnordered(records, ctx.concurrency, async (record) => ({
    ...(await writeOne(ctx, record, options.mode, { empty: await emptyAtStart(), knownId: options.knownId?.(record) })),
    key: record.key,
    record,
  }));
}
