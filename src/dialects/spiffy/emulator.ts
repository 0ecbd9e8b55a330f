import { generateCustomer } from '../../emulator/generator.js';
import { seededRandom } from '../../emulator/random.js';
import { hasBasic, hasBearer, startEmulatorServer, type EmulatorReply, type EmulatorRequest, type RouteHandler } from '../../emulator/server.js';
import type { EmulatorHandle, EmulatorOptions, MutableBase } from '../../emulator/types.js';
import type { Profile } from '../../profiles/schema.js';
import { listFilters, paging, searchQuery, selectFields, type Parsed, type Predicate, type Stored } from './emulator-query.js';
import { toWire } from './mapping.js';
import type { SpiffyAddress, SpiffyCustomer } from './schema.js';
import { emulatorClock } from '../../emulator/clock.js';

/**
 * The Spiffy Stores sandbox (SPEC sections 7 and 8): `/api/customers.json`
 * with `limit` (default 30, max 50, `400` above) and `page`, every filter of
 * the document, `search.json`, `count.json`, one/create/update/delete, `422`
 * for a taken or invalid email and for a written `state`, `X-Ratelimit` on
 * every answer (500 calls per 300 s by default, then `429` with
 * `Retry-After`), and auth by bearer token or basic key and password.
 */
export interface SpiffyEmulatorOptions extends EmulatorOptions {
  /** The `X-Ratelimit` window. */
  rateLimit?: { limit?: number; periodSeconds?: number };
  /** Customers in wire form stored before the generated ones, ids kept (e.g. the document's example). */
  records?: SpiffyCustomer[];
  /** Share of creates and updates that are carried out and then answered `503`, as when an answer is lost. */
  lostReplyRate?: number;
}

export interface SpiffyEmulatorHandle extends EmulatorHandle {
  /** The stored customers in id order (copies), for tests. */
  customers(): SpiffyCustomer[];
  /** `429`s sent because the `X-Ratelimit` window was used up (injected ones not counted). */
  rateLimited(): number;
  /** Every `X-Ratelimit` window so far: calls counted in it (refused ones included) and `429`s sent. */
  windows(): Array<{ start: number; used: number; refused: number }>;
}

/** Credentials the sandbox accepts; its profile uses the token. */
export const sandboxCredentials = { token: 'spiffy-sandbox-token', username: 'spiffy-sandbox-key', password: 'spiffy-sandbox-password' } as const;

const firstGeneratedId = 1001;
const storeOffsetMinutes = 600; // the store's own zone, +10:00, as in the document's examples

/** An instant as the store writes it: `2017-09-20T10:47:18.428+10:00`. */
export function storeTime(ms: number): string {
  const local = new Date(ms + storeOffsetMinutes * 60_000).toISOString().slice(0, 23);
  return `${local}+10:00`;
}

const writableText = ['title', 'first_name', 'last_name', 'company', 'email', 'note', 'tags', 'accounting_id', 'pos_id'] as const;
const writableBoolean = ['accepts_marketing', 'wholesale'] as const;
const addressText = ['title', 'first_name', 'last_name', 'name', 'company', 'address1', 'address2', 'city', 'province', 'province_code', 'country', 'country_code', 'zip', 'phone'] as const;
const emailPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

type Errors = Record<string, string[]>;
const errorsReply = (status: number, errors: Errors | string): EmulatorReply => ({ status, body: { errors } });
const badRequest = (parsed: Extract<Parsed<unknown>, { ok: false }>) => errorsReply(400, { [parsed.field]: [parsed.message] });

function derivedName(parts: Array<string | null | undefined>): string | null {
  const name = parts.filter((p) => p && p.trim() !== '').join(' ');
  return name === '' ? null : name;
}

/** The first index of `ids` (ascending) whose id is above `id`. */
function firstAbove(ids: number[], id: number): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (ids[mid] <= id) low = mid + 1;
    else high = mid;
  }
  return low;
}

class Store {
  readonly customers = new Map<number, Stored>();
  /** Every id, ascending: the order the list answers in, and where `since_id` starts. */
  readonly ids: number[] = [];
  private nextId = firstGeneratedId;
  private nextAddressId = 1;

  add(customer: Stored): void {
    if (!this.customers.has(customer.id)) {
      const last = this.ids[this.ids.length - 1];
      if (last === undefined || customer.id > last) this.ids.push(customer.id);
      else this.ids.splice(firstAbove(this.ids, customer.id), 0, customer.id);
    }
    this.customers.set(customer.id, customer);
    this.json.delete(customer.id);
    this.nextId = Math.max(this.nextId, customer.id + 1);
    for (const a of customer.addresses ?? []) if (a.id != null) this.nextAddressId = Math.max(this.nextAddressId, a.id + 1);
  }

  /** Each customer's JSON since its last change: pages are put together from it (the benchmark measures the client). */
  private readonly json = new Map<number, string>();

  /** Call after changing a stored customer in place. */
  changed(id: number): void {
    this.json.delete(id);
  }

  jsonOf(customer: Stored): string {
    let text = this.json.get(customer.id);
    if (text === undefined) this.json.set(customer.id, (text = JSON.stringify(customer)));
    return text;
  }

  delete(id: number): boolean {
    this.json.delete(id);
    if (!this.customers.delete(id)) return false;
    const at = firstAbove(this.ids, id - 1);
    if (this.ids[at] === id) this.ids.splice(at, 1);
    return true;
  }

  /** The customers in id order from the first id above `after`. */
  *from(after: number | undefined): Generator<Stored> {
    for (let i = after === undefined ? 0 : firstAbove(this.ids, after); i < this.ids.length; i += 1) yield this.customers.get(this.ids[i])!;
  }

  newId(): number {
    return this.nextId++;
  }

  byEmail(email: string, except?: number): Stored | undefined {
    const wanted = email.trim().toLowerCase();
    for (const c of this.customers.values()) if (c.id !== except && c.email?.trim().toLowerCase() === wanted) return c;
    return undefined;
  }

  /** Stores sent addresses: ids given, names derived, exactly one default (the first flagged, else the first). */
  addresses(sent: Array<Record<string, unknown>>): { addresses: SpiffyAddress[]; default_address: SpiffyAddress | null } {
    const defaultIndex = Math.max(0, sent.findIndex((a) => a.default === true));
    const addresses = sent.map((a, i): SpiffyAddress => {
      const out: SpiffyAddress = { id: this.nextAddressId++ };
      for (const name of addressText) out[name] = typeof a[name] === 'string' ? (a[name] as string) : null;
      if (out.first_name || out.last_name || !out.name) out.name = derivedName([out.title, out.first_name, out.last_name]);
      out.default = i === defaultIndex;
      return out;
    });
    return { addresses, default_address: addresses.length > 0 ? { ...addresses[defaultIndex] } : null };
  }
}

/** What a create or update may carry; `422` errors per field otherwise. */
function validate(body: Record<string, unknown>, store: Store, except?: number): Errors {
  const errors: Errors = {};
  const add = (field: string, message: string) => (errors[field] ??= []).push(message);
  if ('state' in body) add('state', 'cannot be changed through the API');
  for (const name of writableText) if (body[name] != null && typeof body[name] !== 'string') add(name, 'is invalid');
  for (const name of writableBoolean) if (body[name] != null && typeof body[name] !== 'boolean') add(name, 'is invalid');
  if (body.credit != null && !(typeof body.credit === 'number' || (typeof body.credit === 'string' && /^-?\d+(\.\d+)?$/.test(body.credit)))) add('credit', 'is not a number');
  if (typeof body.email === 'string' && body.email.trim() !== '') {
    if (!emailPattern.test(body.email.trim())) add('email', 'is invalid');
    else if (store.byEmail(body.email, except)) add('email', 'has already been taken');
  }
  if (body.addresses != null) {
    if (!Array.isArray(body.addresses) || body.addresses.some((a) => typeof a !== 'object' || a === null || Array.isArray(a))) add('addresses', 'is invalid');
    else if ((body.addresses as Array<Record<string, unknown>>).some((a) => addressText.some((n) => a[n] != null && typeof a[n] !== 'string'))) add('addresses', 'is invalid');
  }
  return errors;
}

function apply(target: Stored, body: Record<string, unknown>, store: Store): void {
  for (const name of writableText) if (name in body) target[name] = (body[name] as string | null) ?? null;
  for (const name of writableBoolean) if (name in body && body[name] != null) target[name] = body[name] as boolean;
  if (body.credit != null) target.credit = Number(body.credit);
  if (Array.isArray(body.addresses)) Object.assign(target, store.addresses(body.addresses as Array<Record<string, unknown>>));
  target.name = derivedName([target.title, target.first_name, target.last_name]);
}

/** A generated customer in the store's wire form, with the read-only properties a real store would have. */
function seeded(index: number, seed: number, store: Store, id: number): Stored {
  const record = generateCustomer(index, seed);
  const random = seededRandom(seed * 104_729 + index);
  const payload = toWire(record) as unknown as Record<string, unknown>;
  const orders = Math.floor(random() * 40);
  const states = ['enabled', 'enabled', 'enabled', 'enabled', 'invited', 'guest', 'declined'];
  const customer: Stored = {
    id,
    orders_count: orders,
    state: record.status === 'disabled' ? 'disabled' : states[Math.floor(random() * states.length)],
    total_spent: (orders * (10 + random() * 140)).toFixed(2),
    created_at: storeTime(Date.parse(record.createdAt!)),
    updated_at: storeTime(Date.parse(record.updatedAt!)),
    sign_in_count: Math.floor(random() * 300),
    last_order_id: orders > 0 ? 20_000 + index : null,
    wholesale: false,
    accepts_marketing: false,
    credit: 0,
  };
  apply(customer, payload, store);
  if (random() < 0.2) customer.accounting_id = `acc-${seed}-${index}`;
  if (random() < 0.1) customer.credit = Math.round(random() * 5000) / 100;
  return customer;
}

function parseBody(req: EmulatorRequest): Record<string, unknown> | undefined {
  try {
    const json = JSON.parse(req.body) as unknown;
    const customer = (json as { customer?: unknown })?.customer;
    return customer && typeof customer === 'object' && !Array.isArray(customer) ? (customer as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const missingCustomer = errorsReply(400, { customer: ['Required parameter missing or invalid'] });
const notFound = errorsReply(404, 'Not Found');

export async function startSpiffyEmulator(options: SpiffyEmulatorOptions = {}): Promise<SpiffyEmulatorHandle> {
  const seed = options.seed ?? 1;
  // Customers' times on the emulator's clock; the X-Ratelimit window stays on real time.
  const clock = emulatorClock(options);
  const store = new Store();
  for (const record of options.records ?? []) store.add(structuredClone(record) as Stored);
  for (let i = 0; i < (options.customers ?? 50); i += 1) {
    const id = store.newId();
    store.add(seeded(i, seed, store, id));
  }
  const limit = options.rateLimit?.limit ?? 500;
  const periodMs = (options.rateLimit?.periodSeconds ?? 300) * 1000;
  const window = { start: 0, used: 0, refused: 0 };
  const windows: Array<typeof window> = [];
  let rateLimited = 0;
  const lost = seededRandom(seed * 31 + 5);

  /** The customers the filters select, in id order, from `skip` on, at most `take` (all when undefined). */
  const select = (query: URLSearchParams, extra: Predicate[] = [], skip = 0, take?: number): Parsed<Stored[]> => {
    const filters = listFilters(query);
    if (!filters.ok) return filters;
    const predicates = [...filters.value, ...extra];
    const sinceId = query.get('since_id');
    const out: Stored[] = [];
    let matched = 0;
    for (const c of store.from(sinceId === null ? undefined : Number(sinceId))) {
      if (take !== undefined && out.length >= take) break;
      if (!predicates.every((p) => p(c))) continue;
      if (matched++ >= skip) out.push(c);
    }
    return { ok: true, value: out };
  };
  const page = (req: EmulatorRequest, extra: Predicate[] = []): EmulatorReply => {
    const pages = paging(req.query);
    if (!pages.ok) return badRequest(pages);
    const { limit: size, page: number } = pages.value;
    const selected = select(req.query, extra, (number - 1) * size, size);
    if (!selected.ok) return badRequest(selected);
    const fields = req.query.get('fields');
    if (fields === null || fields.trim() === '') {
      return { status: 200, contentType: 'application/json; charset=utf-8', body: `{"customers":[${selected.value.map((c) => store.jsonOf(c)).join(',')}]}` };
    }
    return { status: 200, body: { customers: selected.value.map((c) => selectFields(c, fields)) } };
  };

  // Tests: customers created, deleted or changed between pages (EmulatorOptions.beforeList).
  let created = 0;
  let lists = 0;
  const base: MutableBase = {
    keys: () => store.ids.map(String),
    create(count) {
      const keys: string[] = [];
      for (let i = 0; i < count; i += 1) {
        const id = store.newId();
        const customer = seeded((options.customers ?? 50) + created, seed, store, id);
        created += 1;
        customer.created_at = customer.updated_at = storeTime(clock());
        store.add(customer);
        keys.push(String(id));
      }
      return keys;
    },
    remove: (key) => store.delete(Number(key)),
    touch(key) {
      const customer = store.customers.get(Number(key));
      if (!customer) return false;
      customer.note = `changed during a read (${lists})`;
      customer.updated_at = storeTime(clock());
      store.changed(customer.id);
      return true;
    },
  };
  const beforeList = (req: EmulatorRequest) => {
    lists += 1;
    options.beforeList?.({ n: lists, query: req.query, base });
  };
  const customerId = (req: EmulatorRequest) => (/^\d+$/.test(req.params.id) ? Number(req.params.id) : Number.NaN);

  const routes: Record<string, RouteHandler> = {
    list: (req) => {
      beforeList(req);
      return page(req);
    },
    search: (req) => {
      const parsed = searchQuery(req.query.get('query') ?? '');
      return parsed.ok ? page(req, parsed.value) : badRequest(parsed);
    },
    count: (req) => {
      const selected = select(req.query);
      return selected.ok ? { status: 200, body: { count: selected.value.length } } : badRequest(selected);
    },
    one: (req) => {
      const customer = store.customers.get(customerId(req));
      return customer ? { status: 200, body: { customer: selectFields(customer, req.query.get('fields')) } } : notFound;
    },
    create: (req) => {
      const body = parseBody(req);
      if (!body) return missingCustomer;
      const errors = validate(body, store);
      if (Object.keys(errors).length > 0) return errorsReply(422, errors);
      const now = storeTime(clock());
      const customer: Stored = {
        id: store.newId(),
        accepts_marketing: false,
        orders_count: 0,
        state: 'disabled',
        total_spent: '0.00',
        created_at: now,
        updated_at: now,
        sign_in_count: 0,
        wholesale: false,
        credit: 0,
        addresses: [],
        default_address: null,
      };
      apply(customer, body, store);
      store.add(customer);
      return { status: 201, body: { customer } };
    },
    update: (req) => {
      const customer = store.customers.get(customerId(req));
      if (!customer) return notFound;
      const body = parseBody(req);
      if (!body) return missingCustomer;
      const errors = validate(body, store, customer.id);
      if (Object.keys(errors).length > 0) return errorsReply(422, errors);
      apply(customer, body, store);
      customer.updated_at = storeTime(clock());
      store.changed(customer.id);
      return { status: 200, body: { customer } };
    },
    remove: (req) => {
      const id = customerId(req);
      if (!store.delete(id)) return notFound;
      return { status: 200, body: {} };
    },
  };

  /** Every answer counts against the window and carries `X-Ratelimit`. */
  const limited = (handler: RouteHandler, write = false): RouteHandler => async (req) => {
    const now = Date.now();
    if (now >= window.start + periodMs) {
      if (window.used > 0) windows.push({ ...window });
      Object.assign(window, { start: now, used: 0, refused: 0 });
    }
    window.used += 1;
    const until = new Date(window.start + periodMs).toISOString();
    const header = (remaining: number) => JSON.stringify({ name: 'API', period: periodMs / 1000, limit, remaining, until });
    if (window.used > limit) {
      rateLimited += 1;
      window.refused += 1;
      return {
        ...errorsReply(429, 'Exceeded API rate limit, please try again later'),
        headers: { 'x-ratelimit': header(0), 'retry-after': String(Math.max(1, Math.ceil((window.start + periodMs - now) / 1000))) },
      };
    }
    const reply = await handler(req);
    const headers = { ...reply.headers, 'x-ratelimit': header(limit - window.used) };
    if (write && reply.status < 300 && options.lostReplyRate && lost() < options.lostReplyRate) {
      return { ...errorsReply(503, 'Service Unavailable (the change was made; the answer was lost)'), headers };
    }
    return { ...reply, headers };
  };

  const server = await startEmulatorServer({
    ...options,
    name: 'spiffy',
    routes: [
      { method: 'GET', path: '/api/customers.json', handler: limited(routes.list) },
      { method: 'GET', path: '/api/customers/search.json', handler: limited(routes.search) },
      { method: 'GET', path: '/api/customers/count.json', handler: limited(routes.count) },
      { method: 'GET', path: '/api/customers/:id.json', handler: limited(routes.one) },
      { method: 'POST', path: '/api/customers.json', handler: limited(routes.create, true) },
      { method: 'PUT', path: '/api/customers/:id.json', handler: limited(routes.update, true) },
      { method: 'DELETE', path: '/api/customers/:id.json', handler: limited(routes.remove, true) },
    ],
    authorize: (req) =>
      hasBearer(req, sandboxCredentials.token) || hasBasic(req, sandboxCredentials.username, sandboxCredentials.password)
        ? undefined
        : errorsReply(401, '[API] Invalid API key or access token (unrecognized login or wrong password)'),
    errorReply: (status, message) => errorsReply(status, message),
  });

  const profile: Profile = {
    dialect: 'spiffy',
    baseUrl: server.url,
    auth: { type: 'bearer', token: sandboxCredentials.token },
    pageSize: 50,
    description: 'custsync sandbox: Spiffy Stores emulator',
  };
  return {
    url: server.url,
    profile,
    stats: () => server.stats(),
    close: () => server.close(),
    customers: () => structuredClone([...store.from(undefined)]),
    rateLimited: () => rateLimited,
    windows: () => [...windows, ...(window.used > 0 ? [{ ...window }] : [])],
  };
}

