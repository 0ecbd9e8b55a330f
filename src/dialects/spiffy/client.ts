import type { z } from 'zod';
import { emailKey, type Customer } from '../../core/customer.js';
import type { DialectContext } from '../../core/dialect.js';
import { ProtocolError, RemoteError, snippet } from '../../core/errors.js';
import { parseJsonBody, type HttpClient, type HttpRequest, type HttpResponse } from '../../http/client.js';
import { QuotaWindow, type QuotaInfo } from '../../http/rate-limit.js';
import { SYSTEM } from './mapping.js';
import {
  CountAnswerSchema,
  ErrorAnswerSchema,
  ListAnswerSchema,
  OneAnswerSchema,
  RateLimitHeaderSchema,
  type RateLimitHeader,
  type SpiffyCustomer,
  type SpiffyCustomerPayload,
} from './schema.js';
import type { ListFilters } from './filters.js';

/**
 * The Spiffy Stores customer endpoints over the shared HTTP core (SPEC
 * section 8): `limit`/`page` paging, search, count, one, create, update, and
 * the `X-Ratelimit` header read after every answer.
 */

/** Spiffy answers at most this many customers a page; a larger `limit` is a `400`. */
export const MAX_PAGE_SIZE = 50;
const LIST = 'api/customers.json';
const SEARCH = 'api/customers/search.json';
const COUNT = 'api/customers/count.json';
const one = (id: string | number) => `api/customers/${encodeURIComponent(String(id))}.json`;

/**
 * The outcome of a create or an update: the stored customer, or why this
 * record was refused (`rejected`), or why custsync cannot tell whether it
 * landed (`failed`, SPEC section 6).
 */
/** `gone`: the customer updated is not on the target (404). */
export type WriteAnswer = { ok: true; customer: SpiffyCustomer } | { ok: false; reason: string; failed?: true; gone?: true };

// ---------------------------------------------------------------------------
// Rate limit: the `X-Ratelimit` window is used to its end, never beyond it.

/** One quota per HTTP client (per profile in a run), shared by reads and writes. */
const quotas = new WeakMap<HttpClient, QuotaWindow>();

function quotaOf(client: HttpClient): QuotaWindow {
  let quota = quotas.get(client);
  if (!quota) quotas.set(client, (quota = new QuotaWindow()));
  return quota;
}

/** The `X-Ratelimit` of an answer, or undefined when it has none (or one that does not parse). */
export function rateLimitOf(response: HttpResponse): QuotaInfo | undefined {
  const raw = response.headers['x-ratelimit'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  try {
    const parsed = RateLimitHeaderSchema.safeParse(JSON.parse(value));
    if (!parsed.success) return undefined;
    const info: RateLimitHeader = parsed.data;
    const until = info.until ? Date.parse(info.until) : Number.NaN;
    return {
      limit: info.limit,
      remaining: info.remaining,
      until: Number.isNaN(until) ? undefined : until,
      periodMs: info.period !== undefined ? info.period * 1000 : undefined,
    };
  } catch {
    return undefined;
  }
}

/** The dialect's `http.onResponse` hook. */
export function readRateLimitHeader(response: HttpResponse, client: HttpClient): void {
  const info = rateLimitOf(response);
  if (info) quotaOf(client).observe(info);
}

// ---------------------------------------------------------------------------

/** The server's message from an error body: `email has already been taken; first_name is too long`. */
export function errorMessage(response: HttpResponse): string {
  try {
    const parsed = ErrorAnswerSchema.safeParse(JSON.parse(response.text));
    if (parsed.success) {
      const { errors } = parsed.data;
      if (typeof errors === 'string') return errors;
      return Object.entries(errors)
        .map(([field, messages]) => (Array.isArray(messages) ? messages : [messages]).map((m) => `${field} ${m}`).join('; '))
        .join('; ');
    }
  } catch {
    // not JSON: fall through to the raw snippet
  }
  return snippet(response.text) || `status ${response.status}`;
}

function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}

/** A free-text search term: quoted when it holds spaces, quotes or a colon (which would read as a search filter). */
function searchTerm(text: string): string {
  return /[\s":]/.test(text) ? `"${text.replace(/"/g, '')}"` : text;
}

export class SpiffyApi {
  constructor(private readonly ctx: DialectContext) {}

  /** The page size sent as `limit`: the profile's, never above 50. */
  get pageSize(): number {
    return Math.min(this.ctx.profile.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  }

  private async send(req: HttpRequest): Promise<HttpResponse> {
    const quota = quotaOf(this.ctx.http);
    // Shown by the progress display as "waiting 42 s for spiffy's rate window".
    await quota.acquire((ms) => this.ctx.http.announceWait(ms, 'rate-window'));
    try {
      return await this.ctx.http.send(req);
    } finally {
      quota.release();
    }
  }

  /** A read that must succeed: anything but a 2xx stops the run, naming the request and the server's message. */
  private async read<S extends z.ZodType>(req: HttpRequest, schema: S): Promise<z.infer<S>> {
    const response = await this.send(req);
    this.expectOk(req, response);
    return parseJsonBody(response, schema);
  }

  private expectOk(req: HttpRequest, response: HttpResponse): void {
    if (isOk(response.status)) return;
    throw new RemoteError(`${response.label} answered ${response.status}: ${errorMessage(response)}`, {
      method: req.method,
      url: response.label.slice(req.method.length + 1),
      status: response.status,
      bodySnippet: snippet(response.text),
      hint: `check baseUrl and pageSize of profile "${this.ctx.profileName}"`,
    });
  }

  /**
   * One page of the customers the filters select whose id is above `after`
   * (`since_id`), lowest ids first (the order Spiffy lists customers in; the
   * read engine checks it).
   */
  async after(filters: ListFilters, after: number, limit = this.pageSize): Promise<SpiffyCustomer[]> {
    const query = { ...filters, since_id: String(after), limit };
    return (await this.read({ method: 'GET', path: LIST, query }, ListAnswerSchema)).customers;
  }

  /** The id at 0-based position `index` among the customers the filters select above `after`: a one-id page. */
  async idAt(filters: ListFilters, after: number, index: number): Promise<number | undefined> {
    const query = { ...filters, since_id: String(after), limit: 1, page: index + 1, fields: 'id' };
    return (await this.read({ method: 'GET', path: LIST, query }, ListAnswerSchema)).customers[0]?.id;
  }

  /** Every customer the filters select, page by page (`limit`/`page`), until a short or empty page. */
  async *list(filters: ListFilters = {}, path = LIST): AsyncGenerator<SpiffyCustomer> {
    const limit = this.pageSize;
    for (let page = 1; ; page += 1) {
      const { customers } = await this.read({ method: 'GET', path, query: { ...filters, limit, page } }, ListAnswerSchema);
      yield* customers;
      if (customers.length < limit) return;
    }
  }

  async count(filters: ListFilters = {}): Promise<number> {
    return (await this.read({ method: 'GET', path: COUNT, query: filters }, CountAnswerSchema)).count;
  }

  /** One customer by id, or undefined when there is none (`404`). */
  async get(id: string | number): Promise<SpiffyCustomer | undefined> {
    const req: HttpRequest = { method: 'GET', path: one(id) };
    const response = await this.send(req);
    if (response.status === 404) return undefined;
    this.expectOk(req, response);
    return parseJsonBody(response, OneAnswerSchema).customer;
  }

  /** The customer with this email (trimmed, case-insensitive), through `search.json`. */
  async findByEmail(email: string): Promise<SpiffyCustomer | undefined> {
    const wanted = emailKey(email);
    if (!wanted) return undefined;
    for await (const customer of this.list({ query: searchTerm(email.trim()) }, SEARCH)) {
      if (emailKey(customer.email ?? undefined) === wanted) return customer;
    }
    return undefined;
  }

  /**
   * Where this record already is: by id when it was read from this same
   * profile, else by email.
   */
  async locate(record: Customer): Promise<SpiffyCustomer | undefined> {
    const source = record.source;
    if (source && source.system === SYSTEM && source.profile === this.ctx.profileName && /^\d+$/.test(source.id)) {
      const found = await this.get(source.id);
      if (found) return found;
    }
    return record.email ? this.findByEmail(record.email) : undefined;
  }

  /**
   * `POST /api/customers.json`. A create is sent again after a `5xx` or a
   * broken connection only when the email can be looked up first (`recover`),
   * so a lost answer never makes a duplicate.
   */
  async create(payload: SpiffyCustomerPayload): Promise<WriteAnswer> {
    const email = payload.email;
    const recover = email
      ? async (): Promise<HttpResponse | undefined> => {
          const found = await this.findByEmail(email);
          if (!found) return undefined;
          return { status: 201, headers: {}, text: JSON.stringify({ customer: found }), label: `POST ${LIST} (found after a failed attempt)` };
        }
      : undefined;
    let response: HttpResponse;
    try {
      response = await this.send({ method: 'POST', path: LIST, json: { customer: payload }, recover });
    } catch (error) {
      // Without an email the create could not be checked, so it was not sent again: whether it landed is
      // unknown (a 5xx or a broken connection after the request left), so this record failed; the run goes on.
      if (!recover && error instanceof RemoteError && !(error instanceof ProtocolError) && (error.status === undefined || error.status >= 500)) {
        return { ok: false, failed: true, reason: `${error.message}; not sent again: without an email custsync cannot check whether it was created` };
      }
      throw error;
    }
    return this.answer(response, 201);
  }

  /** `PUT /api/customers/{id}.json` (idempotent, so retried by the core). */
  async update(id: number, payload: SpiffyCustomerPayload): Promise<WriteAnswer> {
    const response = await this.send({ method: 'PUT', path: one(id), json: { customer: { ...payload, id } } });
    // Removed between the lookup and the update: nothing about the record; a new run creates it.
    if (response.status === 404) return { ok: false, failed: true, gone: true, reason: `customer ${id} was removed from the target while it was written (404); run again to create it` };
    return this.answer(response, 200);
  }

  private answer(response: HttpResponse, expected: number): WriteAnswer {
    if (isOk(response.status)) return { ok: true, customer: parseJsonBody(response, OneAnswerSchema).customer };
    if (response.status >= 400 && response.status < 500) return { ok: false, reason: `${response.status}: ${errorMessage(response)}` };
    throw new RemoteError(`${response.label} answered ${response.status} (expected ${expected})`, { status: response.status, bodySnippet: snippet(response.text) });
  }
}
