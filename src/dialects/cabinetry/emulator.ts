import type { EmulatorFactory } from '../../core/dialect.js';
import { generateCustomer, generateCustomers } from '../../emulator/generator.js';
import { hasHeader, startEmulatorServer, type EmulatorReply, type EmulatorRequest, type RouteHandler } from '../../emulator/server.js';
import type { EmulatorHandle, EmulatorOptions, MutableBase } from '../../emulator/types.js';
import { toWire } from './mapping.js';

/**
 * The Cabinetry.Online customer API as the document describes it, for
 * `custsync sandbox --dialect cabinetry` and the tests: the `{success, …}`
 * envelopes, `current_page`/`page_size` paging (at most 100), search criteria
 * `filter[FIELD][COND]` over the document's searchable fields with every COND,
 * mandatory fields and unique email (`422` with the messages), `404`s, DELETE,
 * and the `X-GC-API-KEY` header.
 *
 * Where the document is silent (written in docs/dialects/cabinetry.md): text
 * is compared without regard to case (eq, neq, like, in and the orderings);
 * an update changes the fields it sends and keeps the others (settings key by
 * key, `delivery_address` and `customer_labels` as whole lists); a customer
 * must keep at least one delivery address; generated customers numbered
 * 4, 14, 24, … have jobs and cannot be deleted (`409`).
 */

export const apiKeyHeader = 'X-GC-API-KEY';
export const sandboxApiKey = 'sandbox-cabinetry-api-key';
const manufacturerId = 7891;
const defaultPageSize = 20;
const maxPageSize = 100;

export const searchableFields = [
  'id', 'manufacturer_id', 'name', 'email', 'phone', 'cc_email', 'price_adjustment', 'minimum_charge_amount',
  'minimum_freight_amount', 'contact_address.street', 'contact_address.suburb', 'contact_address.state',
  'contact_address.postcode', 'settings.is_beta', 'settings.is_assembly_enabled', 'settings.is_suspended', 'customer_labels',
] as const;
export const conditions = ['eq', 'neq', 'like', 'in', 'gt', 'gte', 'lt', 'lte'] as const;

const addressKeys = ['street', 'suburb', 'state', 'state_code', 'postcode', 'country', 'country_code'] as const;
const settingKeys = ['is_beta', 'is_assembly_enabled', 'is_suspended'] as const;
const textKeys = ['name', 'email', 'phone', 'mobile', 'cc_email', 'external_id'] as const;
const amountKeys = ['price_adjustment', 'minimum_charge_amount', 'minimum_freight_amount'] as const;

type Json = Record<string, unknown>;

interface Stored {
  customer: Json;
  /** Customers with jobs cannot be deleted. */
  hasJobs: boolean;
}

/** One request as the emulator saw it: for tests that check what was pushed down. */
export interface LoggedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

/** The handle of this emulator: the common one plus the request log. */
export interface CabinetryEmulatorHandle extends EmulatorHandle {
  requests(): LoggedRequest[];
  clearRequests(): void;
  /** The next `count` creates are stored but answered `503`, as when a connection dies after the write. */
  loseCreateAnswers(count: number): void;
}

const fail = (status: number, ...messages: string[]): EmulatorReply => ({ status, body: { success: 0, error: { messages } } });

function blank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);
}

function textOrNull(value: unknown): string | null {
  return blank(value) ? null : String(value);
}

function address(input: unknown): Json | null {
  if (!input || typeof input !== 'object') return null;
  const source = input as Json;
  const out: Json = {};
  for (const key of addressKeys) {
    if (key === 'street') out.street = Array.isArray(source.street) ? source.street.map((line) => (line === null ? null : String(line))) : [];
    else out[key] = textOrNull(source[key]);
  }
  return out;
}

function deliveries(input: unknown): Json[] {
  if (!Array.isArray(input)) return [];
  const list = input.filter((a) => a && typeof a === 'object').map((raw: Json) => {
    const out: Json = {};
    if ('external_id' in raw) out.external_id = textOrNull(raw.external_id);
    out.name = textOrNull(raw.name);
    Object.assign(out, address(raw));
    out.default = raw.default === true || raw.default === 1;
    return out;
  });
  // Only one is the default: the first flagged one, else the first.
  const chosen = list.findIndex((a) => a.default === true);
  list.forEach((a, i) => (a.default = i === (chosen === -1 ? 0 : chosen)));
  return list;
}

/** The mandatory-field and format checks, in the order of the document's example. */
function validate(candidate: Json, store: Map<number, Stored>, selfId?: number): string[] {
  const messages: string[] = [];
  if (blank(candidate.name)) messages.push('A name must be specified');
  const email = candidate.email;
  if (blank(email)) messages.push('An email address must be specified');
  else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(String(email))) messages.push('Invalid email address');
  else {
    const wanted = String(email).trim().toLowerCase();
    for (const [id, other] of store) {
      if (id !== selfId && String(other.customer.email).toLowerCase() === wanted) {
        messages.push('Email address is already in use');
        break;
      }
    }
  }
  if (blank(candidate.phone)) messages.push('A phone number must be specified');
  for (const key of amountKeys) if (candidate[key] !== null && !Number.isFinite(candidate[key])) messages.push(`${key} must be a number`);
  const contact = candidate.contact_address as Json | null;
  if (!contact) messages.push('A contact address must be specified');
  else if (blank(contact.state) && blank(contact.state_code)) messages.push('A state must be specified for the contact address');
  if ((candidate.delivery_address as Json[]).length === 0) messages.push('A delivery address must be specified');
  return messages;
}

function amount(value: unknown, fallback: number | null): unknown {
  if (value === undefined) return fallback;
  if (value === null || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : value;
}

/** Applies a request body to a customer (a new one, or a copy of a stored one); `id`/`manufacturer_id` are ignored. */
function apply(base: Json, body: Json): Json {
  const next: Json = { ...base };
  for (const key of textKeys) if (key in body) next[key] = textOrNull(body[key]);
  for (const key of amountKeys) if (key in body) next[key] = amount(body[key], 0);
  if ('default_depot_id' in body) next.default_depot_id = blank(body.default_depot_id) ? null : amount(body.default_depot_id, null);
  if ('delivery_address' in body) next.delivery_address = deliveries(body.delivery_address);
  if ('contact_address' in body) next.contact_address = address(body.contact_address);
  if ('customer_labels' in body) {
    const labels = Array.isArray(body.customer_labels) ? body.customer_labels.map((l) => String(l).trim()).filter(Boolean) : [];
    next.customer_labels = [...new Set(labels)];
  }
  if (body.settings && typeof body.settings === 'object') {
    const settings = { ...(next.settings as Json) };
    for (const key of settingKeys) if (key in (body.settings as Json)) settings[key] = Boolean((body.settings as Json)[key]);
    next.settings = settings;
  }
  // The document: with no contact address, the first delivery address is used as the contact address.
  const list = next.delivery_address as Json[];
  if (!next.contact_address && list.length > 0) next.contact_address = address(list[0]);
  return next;
}

function blankCustomer(): Json {
  return {
    name: null, email: null, phone: null, mobile: null, cc_email: null,
    price_adjustment: 0, minimum_charge_amount: 0, minimum_freight_amount: 0,
    contact_address: null, delivery_address: [], customer_labels: [],
    default_depot_id: null, external_id: null,
    settings: { is_beta: false, is_assembly_enabled: false, is_suspended: false },
  };
}

/** A customer as the API answers it: `customer_labels` only when it has any (as in the document's examples). */
function render(id: number, customer: Json): Json {
  const { customer_labels: labels, ...rest } = customer;
  const out: Json = { id, manufacturer_id: manufacturerId, ...rest };
  if (Array.isArray(labels) && labels.length > 0) {
    const ordered: Json = {};
    for (const [key, value] of Object.entries(out)) {
      if (key === 'default_depot_id') ordered.customer_labels = labels;
      ordered[key] = value;
    }
    return ordered;
  }
  return out;
}

function parseBody(req: EmulatorRequest): { body: Json } | { refusal: EmulatorReply } {
  try {
    const body = JSON.parse(req.body) as unknown;
    if (body && typeof body === 'object' && !Array.isArray(body)) return { body: body as Json };
  } catch {
    // answered below
  }
  return { refusal: fail(400, 'The request body must be a single Customer record in JSON') };
}

function pathValue(customer: Json, id: number, field: string): unknown {
  if (field === 'id') return id;
  if (field === 'manufacturer_id') return manufacturerId;
  let value: unknown = customer;
  for (const part of field.split('.')) value = value && typeof value === 'object' ? (value as Json)[part] : undefined;
  return value;
}

function likeRegex(pattern: string): RegExp {
  const source = [...pattern].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 'is');
}

function equal(actual: unknown, wanted: string): boolean {
  if (typeof actual === 'boolean') return actual === (wanted === '1' || wanted.toLowerCase() === 'true');
  if (typeof actual === 'number') return wanted.trim() !== '' && Number(wanted) === actual;
  return String(actual).toLowerCase() === wanted.toLowerCase();
}

function ordered(actual: unknown, wanted: string): number {
  if (typeof actual === 'number' && wanted.trim() !== '' && Number.isFinite(Number(wanted))) return actual - Number(wanted);
  const a = String(actual).toLowerCase();
  const b = wanted.toLowerCase();
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One criterion against a stored value; a list (street, labels) matches when any item does, `neq` when none equals. */
export function satisfies(value: unknown, cond: string, wanted: string): boolean {
  const values = (Array.isArray(value) ? value : [value]).filter((v) => v !== null && v !== undefined);
  switch (cond) {
    case 'eq': return values.some((v) => equal(v, wanted));
    case 'neq': return !values.some((v) => equal(v, wanted));
    case 'in': return wanted.split(',').some((w) => values.some((v) => equal(v, w.trim())));
    case 'like': return values.some((v) => likeRegex(wanted).test(String(v)));
    case 'gt': return values.some((v) => ordered(v, wanted) > 0);
    case 'gte': return values.some((v) => ordered(v, wanted) >= 0);
    case 'lt': return values.some((v) => ordered(v, wanted) < 0);
    case 'lte': return values.some((v) => ordered(v, wanted) <= 0);
    default: return false;
  }
}

function intParam(req: EmulatorRequest, name: string, fallback: number): number | undefined {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return fallback;
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/** The first index of `ids` (ascending) whose id is at least `id`. */
function firstAtLeast(ids: number[], id: number): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (ids[mid] < id) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The part of `ids` (ascending) that id criteria can select, so a window is not a scan of the whole base. */
function idRange(ids: number[], criteria: Array<{ field: string; cond: string; value: string }>): [number, number] {
  let from = 0;
  let to = ids.length;
  for (const { field, cond, value } of criteria) {
    const n = Number(value);
    if (field !== 'id' || value.trim() === '' || !Number.isFinite(n)) continue;
    if (cond === 'gt') from = Math.max(from, firstAtLeast(ids, Math.floor(n) + 1));
    if (cond === 'gte') from = Math.max(from, firstAtLeast(ids, Math.ceil(n)));
    if (cond === 'lt') to = Math.min(to, firstAtLeast(ids, Math.ceil(n)));
    if (cond === 'lte') to = Math.min(to, firstAtLeast(ids, Math.floor(n) + 1));
  }
  return [from, to];
}

export const cabinetryEmulator: EmulatorFactory = {
  async start(options: EmulatorOptions): Promise<CabinetryEmulatorHandle> {
    const store = new Map<number, Stored>();
    // Every id, ascending (ids only grow): the list's order, and where id criteria start.
    const ids: number[] = [];
    let nextId = 1001;
    let index = 0;
    const generated = (record: Parameters<typeof toWire>[0]) => apply(blankCustomer(), toWire(record).payload as unknown as Json);
    for (const record of generateCustomers(options.customers ?? 50, options.seed ?? 1)) {
      store.set(nextId, { customer: generated(record), hasJobs: index % 10 === 3 });
      ids.push(nextId);
      nextId += 1;
      index += 1;
    }
    // Each customer's JSON since its last change: pages are put together from it (the benchmark measures the client).
    const json = new Map<number, string>();
    const jsonOf = (id: number, customer: Json) => {
      let text = json.get(id);
      if (text === undefined) json.set(id, (text = JSON.stringify(render(id, customer))));
      return text;
    };
    const forget = (id: number) => {
      json.delete(id);
      const at = firstAtLeast(ids, id);
      if (ids[at] === id) ids.splice(at, 1);
    };
    // Tests: customers created, deleted or changed between pages (EmulatorOptions.beforeList).
    let lists = 0;
    const base: MutableBase = {
      keys: () => ids.map(String),
      create(count) {
        const keys: string[] = [];
        for (let i = 0; i < count; i += 1) {
          const id = nextId++;
          store.set(id, { customer: generated(generateCustomer(index, options.seed ?? 1)), hasJobs: false });
          ids.push(id);
          index += 1;
          keys.push(String(id));
        }
        return keys;
      },
      remove(key) {
        const id = Number(key);
        if (!store.delete(id)) return false;
        forget(id);
        return true;
      },
      touch(key) {
        const stored = store.get(Number(key));
        if (!stored) return false;
        stored.customer = { ...stored.customer, mobile: `04${String(lists).padStart(8, '0')}` };
        json.delete(Number(key));
        return true;
      },
    };
    const log: LoggedRequest[] = [];
    let lostAnswers = 0;
    const logged = (handler: RouteHandler): RouteHandler => (req) => {
      if (log.length < 100_000) log.push({ method: req.method, path: req.path, query: new URLSearchParams(req.query) });
      return handler(req);
    };
    const idOf = (req: EmulatorRequest): number | undefined => (/^\d+$/.test(req.params.id) ? Number(req.params.id) : undefined);
    const notFound = () => fail(404, 'Customer not found');

    const list: RouteHandler = (req) => {
      const page = intParam(req, 'current_page', 1);
      const size = intParam(req, 'page_size', defaultPageSize);
      if (page === undefined || page < 1) return fail(400, 'current_page must be a whole number of at least 1');
      if (size === undefined || size < 1 || size > maxPageSize) return fail(400, `page_size must be between 1 and ${maxPageSize}`);
      const criteria: Array<{ field: string; cond: string; value: string }> = [];
      for (const [name, value] of req.query) {
        if (name === 'current_page' || name === 'page_size') continue;
        const match = /^filter\[([^\]]+)\]\[([^\]]+)\]$/.exec(name);
        if (!match) return fail(400, `Unknown parameter ${name}`);
        if (!(searchableFields as readonly string[]).includes(match[1])) return fail(400, `Field ${match[1]} is not searchable`);
        if (!(conditions as readonly string[]).includes(match[2])) return fail(400, `Unknown filter condition ${match[2]}`);
        criteria.push({ field: match[1], cond: match[2], value });
      }
      lists += 1;
      options.beforeList?.({ n: lists, query: req.query, base });
      const [from, to] = idRange(ids, criteria);
      const skip = (page - 1) * size;
      const items: string[] = [];
      let total = 0;
      for (let i = from; i < to; i += 1) {
        const id = ids[i];
        const { customer } = store.get(id)!;
        if (!criteria.every((c) => satisfies(pathValue(customer, id, c.field), c.cond, c.value))) continue;
        if (total >= skip && items.length < size) items.push(jsonOf(id, customer));
        total += 1;
      }
      const pagination = { current_page: page, page_count: Math.ceil(total / size), page_size: size, total_count: total };
      return { status: 200, contentType: 'application/json; charset=utf-8', body: `{"success":1,"items":[${items.join(',')}],"pagination":${JSON.stringify(pagination)}}` };
    };

    const read: RouteHandler = (req) => {
      const id = idOf(req);
      const stored = id === undefined ? undefined : store.get(id);
      return stored ? { status: 200, body: { success: 1, customer: render(id!, stored.customer) } } : notFound();
    };

    const create: RouteHandler = (req) => {
      const parsed = parseBody(req);
      if ('refusal' in parsed) return parsed.refusal;
      const customer = apply(blankCustomer(), parsed.body);
      const messages = validate(customer, store);
      if (messages.length > 0) return fail(422, ...messages);
      const id = nextId++;
      store.set(id, { customer, hasJobs: false });
      ids.push(id);
      if (lostAnswers > 0) {
        lostAnswers -= 1;
        return fail(503, 'Service unavailable');
      }
      return { status: 200, body: { success: 1, customer: render(id, customer) } };
    };

    const update: RouteHandler = (req) => {
      const id = idOf(req);
      const stored = id === undefined ? undefined : store.get(id);
      if (!stored) return notFound();
      const parsed = parseBody(req);
      if ('refusal' in parsed) return parsed.refusal;
      const customer = apply(stored.customer, parsed.body);
      const messages = validate(customer, store, id);
      if (messages.length > 0) return fail(422, ...messages);
      stored.customer = customer;
      json.delete(id!);
      return { status: 200, body: { success: 1, customer: render(id!, customer) } };
    };

    const remove: RouteHandler = (req) => {
      const id = idOf(req);
      const stored = id === undefined ? undefined : store.get(id);
      if (!stored) return notFound();
      if (stored.hasJobs) return fail(409, 'Customer cannot be deleted');
      store.delete(id!);
      forget(id!);
      return { status: 200, body: { success: 1 } };
    };

    const server = await startEmulatorServer({
      ...options,
      name: 'cabinetry',
      routes: [
        { method: 'GET', path: '/api/admin/customers', handler: logged(list) },
        { method: 'POST', path: '/api/admin/customers', handler: logged(create) },
        { method: 'GET', path: '/api/admin/customers/:id', handler: logged(read) },
        { method: 'PUT', path: '/api/admin/customers/:id', handler: logged(update) },
        { method: 'DELETE', path: '/api/admin/customers/:id', handler: logged(remove) },
      ],
      authorize: (req) => {
        if (hasHeader(req, apiKeyHeader, sandboxApiKey)) return undefined;
        return fail(401, req.headers[apiKeyHeader.toLowerCase()] ? 'Invalid API key' : `An API key is required in the ${apiKeyHeader} header`);
      },
      errorReply: (status, message) => fail(status, message),
    });
    return {
      url: server.url,
      profile: { dialect: 'cabinetry', baseUrl: server.url, auth: { type: 'header', name: apiKeyHeader, value: sandboxApiKey } },
      stats: () => server.stats(),
      close: () => server.close(),
      requests: () => log.map((r) => ({ ...r, query: new URLSearchParams(r.query) })),
      clearRequests: () => {
        log.length = 0;
      },
      loseCreateAnswers: (count) => {
        lostAnswers = count;
      },
    };
  },
};
