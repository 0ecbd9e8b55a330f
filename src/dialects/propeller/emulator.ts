import { generateCustomers } from '../../emulator/generator.js';
import { startEmulatorServer, type EmulatorReply, type EmulatorRequest } from '../../emulator/server.js';
import type { EmulatorHandle, EmulatorOptions } from '../../emulator/types.js';
import { propellerErrors } from './errors.js';
import { parseDateOfBirth, toWireAddresses, toWireCustomer } from './mapping.js';

/**
 * The Propeller sandbox (SPEC sections 7 and 8): an OAuth2 token endpoint,
 * customers by lookup key, the sourceId bulk upsert with per-item results,
 * search paging with filters, addresses by type and their bulk endpoint, and
 * the error envelope with the document's codes.
 */
export interface PropellerEmulatorOptions extends EmulatorOptions {
  /** How long an issued token is accepted, in seconds (default 3600). */
  tokenTtlSeconds?: number;
  /**
   * What the token answer announces as `expires_in` (default: the real
   * lifetime). Announcing more than `tokenTtlSeconds` makes a client meet
   * the expiry as a `401`, as it does when a server revokes tokens early.
   */
  announcedExpiresIn?: number;
}

export interface PropellerEmulatorHandle extends EmulatorHandle {
  /** Token requests answered with a token. */
  tokenRequests(): number;
}

const clientId = 'custsync-sandbox';
const clientSecret = 'sandbox-client-secret-not-for-production';
const customerFields = new Set([
  'debtorId', 'firstName', 'middleName', 'lastName', 'abbreviation', 'title', 'dateOfBirth', 'gender', 'login', 'phone',
  'email', 'ssn', 'parent', 'pricelistAmount', 'pricelistPercentage', 'primaryLanguage', 'sourceId', 'source',
]);
const addressFields = new Set([
  'code', 'type', 'isDefault', 'firstName', 'lastName', 'company', 'street', 'number', 'numberExtension', 'postalCode',
  'city', 'region', 'country', 'phone', 'email', 'notes',
]);
const stringFields = ['firstName', 'middleName', 'lastName', 'abbreviation', 'title', 'login', 'phone', 'email', 'pricelistAmount', 'pricelistPercentage', 'sourceId', 'source'];

type Json = Record<string, unknown>;

interface StoredCustomer extends Json {
  id: number;
  dateCreated: string;
  dateModified: string;
}

interface StoredAddress extends Json {
  id: number;
  type: string;
  isDefault: 'Y' | 'N';
}

/** An answer in Propeller's error envelope. */
function fail(code: number, messages?: string[], status?: number): EmulatorReply {
  const known = propellerErrors[code];
  const httpStatus = status ?? known?.status ?? 400;
  return {
    status: httpStatus,
    body: { error: { code, status: httpStatus, type: known?.type ?? 'Error', messages: messages ?? [known?.message ?? 'Error'], moreInfo: 'https://www.propel.us/docs/errors' } },
  };
}

/** A thrown reply ends a handler early with that answer. */
class Refusal extends Error {
  constructor(readonly reply: EmulatorReply) {
    super('refused');
  }
}

function parseJson(req: EmulatorRequest): Json {
  try {
    const body = JSON.parse(req.body) as unknown;
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Json;
  } catch {
    // answered below
  }
  throw new Refusal(fail(10005, ['Request body is not a valid JSON object']));
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Schema problems of a customer payload, as messages (empty when valid). */
function customerProblems(body: Json, requireSourceId: boolean): string[] {
  const problems: string[] = [];
  for (const name of Object.keys(body)) if (!customerFields.has(name)) problems.push(`${name}: unknown field`);
  for (const name of stringFields) if (body[name] !== undefined && body[name] !== null && typeof body[name] !== 'string') problems.push(`${name}: must be a string`);
  if (requireSourceId && (typeof body.sourceId !== 'string' || body.sourceId.trim() === '')) problems.push('sourceId: is required');
  if (requireSourceId && (typeof body.source !== 'string' || body.source.trim() === '')) problems.push('source: is required');
  if (typeof body.email === 'string' && !emailPattern.test(body.email)) problems.push(`email: "${body.email}" is not a valid email address`);
  if (body.gender !== undefined && !(typeof body.gender === 'string' && /^[mfu]$/i.test(body.gender))) problems.push('gender: must be one of m, f, u');
  if (body.dateOfBirth !== undefined && !(typeof body.dateOfBirth === 'string' && parseDateOfBirth(body.dateOfBirth))) problems.push('dateOfBirth: must be a date');
  if (body.primaryLanguage !== undefined && !(typeof body.primaryLanguage === 'string' && /^[a-z]{2}$/i.test(body.primaryLanguage))) problems.push('primaryLanguage: must be an ISO 639-1 code');
  if (body.ssn !== undefined && !(typeof body.ssn === 'number' || (typeof body.ssn === 'string' && /^\d+$/.test(body.ssn)))) problems.push('ssn: must be an integer');
  if (body.debtorId !== undefined && typeof body.debtorId !== 'number' && typeof body.debtorId !== 'string') problems.push('debtorId: must be an integer or a string');
  if (body.parent !== undefined && (typeof body.parent !== 'object' || body.parent === null || Array.isArray(body.parent))) problems.push('parent: must be an object with id, or sourceId and source');
  return problems;
}

function addressProblems(body: Json): string[] {
  const problems: string[] = [];
  for (const name of Object.keys(body)) if (!addressFields.has(name)) problems.push(`${name}: unknown field`);
  if (body.type !== 'invoice' && body.type !== 'delivery') problems.push('type: must be invoice or delivery');
  if (body.isDefault !== undefined && body.isDefault !== 'Y' && body.isDefault !== 'N') problems.push('isDefault: must be Y or N');
  if (body.country !== undefined && !(typeof body.country === 'string' && /^[A-Z]{2}$/.test(body.country))) problems.push('country: must be an ISO 3166-1 alpha-2 code');
  if (typeof body.email === 'string' && !emailPattern.test(body.email)) problems.push('email: is not a valid email address');
  return problems;
}

export async function startPropellerEmulator(options: PropellerEmulatorOptions = {}): Promise<PropellerEmulatorHandle> {
  const ttl = options.tokenTtlSeconds ?? 3600;
  const announced = options.announcedExpiresIn ?? ttl;
  const tokens = new Map<string, number>();
  let tokenCount = 0;
  let nextCustomerId = 1;
  let nextAddressId = 1;
  const customers = new Map<number, StoredCustomer>();
  const deleted = new Set<number>();
  const addresses = new Map<number, StoredAddress[]>();
  const now = () => new Date().toISOString();

  function store(body: Json, dates?: { created?: string; modified?: string }): StoredCustomer {
    const id = nextCustomerId++;
    const customer: StoredCustomer = { ...body, id, debtorId: body.debtorId ?? 10_000 + id, dateCreated: dates?.created ?? now(), dateModified: dates?.modified ?? now() };
    customers.set(id, customer);
    addresses.set(id, []);
    return customer;
  }

  function bySourceId(sourceId: string, source: string | undefined, includeDeleted = false): StoredCustomer[] {
    return [...customers.values()].filter(
      (c) => c.sourceId === sourceId && (source === undefined || c.source === source) && (includeDeleted || !deleted.has(c.id)),
    );
  }

  /** The customer a lookup key names; `sub` answers 60007 (sub-resources) instead of 60006. */
  function lookup(req: EmulatorRequest, sub = false): StoredCustomer {
    const { lk, lv } = req.params;
    const notFound = sub ? 60007 : 60006;
    let found: StoredCustomer | undefined;
    if (lk === 'id') {
      if (!/^\d+$/.test(lv)) throw new Refusal(fail(10006, [`Lookup value "${lv}" is not a valid id`]));
      found = customers.get(Number(lv));
    } else if (lk === 'sourceId') {
      const matches = bySourceId(lv, req.query.get('source') ?? undefined, true);
      const live = matches.filter((c) => !deleted.has(c.id));
      if (live.length > 1) throw new Refusal(fail(60005));
      found = live[0] ?? matches[0];
    } else {
      throw new Refusal(fail(10006, [`Invalid lookup key "${lk}": use id or sourceId`]));
    }
    if (!found) throw new Refusal(fail(notFound));
    if (deleted.has(found.id)) throw new Refusal(fail(60008));
    return found;
  }

  function checkParent(body: Json): void {
    const parent = body.parent as Json | undefined;
    if (!parent) return;
    const exists =
      parent.id !== undefined
        ? customers.has(Number(parent.id)) && !deleted.has(Number(parent.id))
        : typeof parent.sourceId === 'string' && bySourceId(parent.sourceId, typeof parent.source === 'string' ? parent.source : undefined).length > 0;
    if (!exists) throw new Refusal(fail(60007));
  }

  function upsertAddress(customerId: number, body: Json): { action: 'create' | 'update'; address: StoredAddress } {
    const list = addresses.get(customerId)!;
    const code = typeof body.code === 'string' && body.code !== '' ? body.code : undefined;
    let address = code === undefined ? undefined : list.find((a) => a.type === body.type && a.code === code);
    const action = address ? 'update' : 'create';
    if (address) Object.assign(address, body);
    else {
      address = { isDefault: 'N', ...body, id: nextAddressId++, type: body.type as string } as StoredAddress;
      list.push(address);
    }
    if (address.isDefault === 'Y') for (const other of list) if (other !== address && other.type === address.type) other.isDefault = 'N';
    return { action, address };
  }

  // Seed: generated customers, most with a sourceId under source "ERP", every fifth without one
  // (its key is then its id); dates of birth in the formats the platform is known to answer.
  let index = 0;
  for (const record of generateCustomers(options.customers ?? 50, options.seed ?? 1)) {
    const wire: Json = { ...toWireCustomer(record, 'ERP') };
    if (index % 5 === 4) {
      delete wire.sourceId;
      delete wire.source;
    }
    if (typeof wire.dateOfBirth === 'string' && index % 3 !== 0) {
      const [y, m, d] = wire.dateOfBirth.split('-');
      wire.dateOfBirth = index % 3 === 1 ? `${d}-${m}-${y}` : `${y}-${m}-${d}T00:00:00+01:00`;
    }
    const customer = store(wire, { created: record.createdAt, modified: record.updatedAt });
    for (const address of toWireAddresses(record)) upsertAddress(customer.id, { ...address });
    index += 1;
  }

  const guarded = (handler: (req: EmulatorRequest) => EmulatorReply) => (req: EmulatorRequest): EmulatorReply => {
    try {
      return handler(req);
    } catch (error) {
      if (error instanceof Refusal) return error.reply;
      throw error;
    }
  };

  const server = await startEmulatorServer({
    ...options,
    name: 'propeller',
    authorize(req) {
      const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
      const expiresAt = match ? tokens.get(match[1]) : undefined;
      if (expiresAt !== undefined && Date.now() < expiresAt) return undefined;
      return { status: 401, body: { error: { code: 401, status: 401, type: 'Unauthorized', messages: ['The access token is missing, invalid or expired'] } } };
    },
    errorReply(status, message) {
      if (status === 404) return fail(10008, [message]);
      if (status === 413) return fail(10005, [message], 413);
      return { status, body: { error: { code: status, status, type: status === 429 ? 'TooManyRequests' : 'ServiceUnavailable', messages: [message] } } };
    },
    routes: [
      {
        method: 'POST',
        path: '/oauth/token',
        public: true,
        handler(req) {
          const form = new URLSearchParams(req.body);
          if (form.get('grant_type') !== 'client_credentials') {
            return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials' } };
          }
          if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
            return { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } };
          }
          tokenCount += 1;
          const token = `sbx-${tokenCount}-${Math.random().toString(36).slice(2)}`;
          tokens.set(token, Date.now() + ttl * 1000);
          // expires_in as a string, as some Propeller environments send it.
          return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: String(announced) } };
        },
      },
      {
        method: 'POST',
        path: '/customers',
        handler: guarded((req) => {
          const body = parseJson(req);
          const problems = customerProblems(body, false);
          if (problems.length > 0) return fail(10007, problems);
          if (typeof body.sourceId === 'string' && bySourceId(body.sourceId, body.source as string | undefined).length > 0) return fail(60004);
          checkParent(body);
          return { status: 201, body: { data: store(body), messages: ['Customer created'], total: 1 } };
        }),
      },
      {
        method: 'POST',
        path: '/customers/bulk/sourceId',
        handler: guarded((req) => {
          const body = parseJson(req);
          const list = body.customers;
          if (!Array.isArray(list) || list.length === 0) return fail(10007, ['customers: must be a non-empty array']);
          if (list.length > 100) return fail(10007, [`customers: at most 100 per call, got ${list.length}`]);
          const data = list.map((item: unknown) => {
            const key = (item as Json | null)?.sourceId ?? null;
            const itemFail = (code: number, messages?: string[]) => ({ success: false, key, lookupKey: 'sourceId', error: (fail(code, messages).body as { error: unknown }).error });
            if (!item || typeof item !== 'object' || Array.isArray(item)) return itemFail(10007, ['customer: must be an object']);
            const customer = item as Json;
            const problems = customerProblems(customer, true);
            if (problems.length > 0) return itemFail(10007, problems);
            try {
              checkParent(customer);
            } catch (error) {
              if (error instanceof Refusal) return { success: false, key, lookupKey: 'sourceId', error: (error.reply.body as { error: unknown }).error };
              throw error;
            }
            const all = bySourceId(customer.sourceId as string, customer.source as string, true);
            const live = all.filter((c) => !deleted.has(c.id));
            if (live.length > 1) return itemFail(60005);
            if (live.length === 0 && all.length > 0) return itemFail(60008);
            if (live[0]) {
              Object.assign(live[0], customer, { dateModified: now() });
              return { action: 'update', id: live[0].id, key, lookupKey: 'sourceId', success: true };
            }
            return { action: 'create', id: store(customer).id, key, lookupKey: 'sourceId', success: true };
          });
          return { status: 200, body: { data, messages: ['Completed'], total: data.length } };
        }),
      },
      {
        method: 'POST',
        path: '/customers/search',
        readOnly: true,
        handler: guarded((req) => {
          const body = parseJson(req);
          const page = body.page ?? 1;
          const offset = body.offset ?? 12;
          if (!Number.isInteger(page) || (page as number) < 1) return fail(10007, ['page: must be an integer of at least 1']);
          if (!Number.isInteger(offset) || (offset as number) < 1 || (offset as number) > 100) return fail(10007, ['offset: must be an integer from 1 to 100']);
          const email = typeof body.email === 'string' ? body.email.trim().toLowerCase() : undefined;
          const range = (body.dateModified ?? {}) as { from?: string; to?: string };
          const from = range.from ? Date.parse(range.from) : undefined;
          const to = range.to ? Date.parse(range.to) : undefined;
          if (Number.isNaN(from) || Number.isNaN(to)) return fail(10007, ['dateModified: from and to must be ISO 8601 instants']);
          if (body.sourceIds !== undefined && !(Array.isArray(body.sourceIds) && body.sourceIds.every((s) => typeof s === 'string'))) {
            return fail(10007, ['sourceIds: must be an array of strings']);
          }
          const sourceIds = body.sourceIds === undefined ? undefined : new Set(body.sourceIds as string[]);
          const found = [...customers.values()].filter((c) => {
            if (deleted.has(c.id)) return false;
            if (email !== undefined && (typeof c.email !== 'string' || c.email.toLowerCase() !== email)) return false;
            const modified = Date.parse(c.dateModified);
            if (from !== undefined && modified < from) return false;
            if (to !== undefined && modified > to) return false;
            if (sourceIds && !(typeof c.sourceId === 'string' && sourceIds.has(c.sourceId))) return false;
            return true;
          });
          const size = offset as number;
          const start = ((page as number) - 1) * size;
          const data = found.slice(start, start + size);
          return {
            status: 200,
            body: {
              data,
              messages: ['Completed'],
              start: data.length > 0 ? start + 1 : 0,
              end: start + data.length,
              page,
              offset: size,
              total: found.length,
              pages: Math.ceil(found.length / size),
            },
          };
        }),
      },
      {
        method: 'GET',
        path: '/customers/:lk/:lv',
        handler: guarded((req) => ({ status: 200, body: { data: lookup(req), messages: [], total: 1 } })),
      },
      {
        method: 'PATCH',
        path: '/customers/:lk/:lv',
        handler: guarded((req) => {
          const customer = lookup(req);
          const body = parseJson(req);
          const problems = customerProblems(body, false);
          if (problems.length > 0) return fail(10007, problems);
          checkParent(body);
          if (typeof body.sourceId === 'string' && bySourceId(body.sourceId, (body.source ?? customer.source) as string).some((c) => c.id !== customer.id)) return fail(60004);
          Object.assign(customer, body, { dateModified: now() });
          return { status: 200, body: { data: customer, messages: ['Customer updated'], total: 1 } };
        }),
      },
      {
        method: 'DELETE',
        path: '/customers/:lk/:lv',
        handler: guarded((req) => {
          const customer = lookup(req);
          deleted.add(customer.id);
          return { status: 200, body: { data: { id: customer.id }, messages: ['Customer deleted'], total: 1 } };
        }),
      },
      {
        method: 'GET',
        path: '/customers/:lk/:lv/addresses',
        handler: guarded((req) => {
          const customer = lookup(req, true);
          const type = req.query.get('type');
          if (type !== null && type !== 'invoice' && type !== 'delivery') return fail(10007, ['type: must be invoice or delivery']);
          const data = addresses.get(customer.id)!.filter((a) => type === null || a.type === type);
          return { status: 200, body: { data, messages: ['Completed'], total: data.length } };
        }),
      },
      {
        method: 'POST',
        path: '/customers/:lk/:lv/addresses/bulk',
        handler: guarded((req) => {
          const customer = lookup(req, true);
          const body = parseJson(req);
          if (!Array.isArray(body.addresses) || body.addresses.length === 0) return fail(10007, ['addresses: must be a non-empty array']);
          const data = body.addresses.map((item: unknown) => {
            const key = (item as Json | null)?.code ?? null;
            const problems = item && typeof item === 'object' && !Array.isArray(item) ? addressProblems(item as Json) : ['address: must be an object'];
            if (problems.length > 0) return { success: false, key, lookupKey: 'code', error: (fail(10007, problems).body as { error: unknown }).error };
            const { action, address } = upsertAddress(customer.id, item as Json);
            return { action, id: address.id, key, lookupKey: 'code', success: true };
          });
          return { status: 200, body: { data, messages: ['Completed'], total: data.length } };
        }),
      },
      {
        method: 'GET',
        path: '/customers/:lk/:lv/addresses/:addressId',
        handler: guarded((req) => {
          const customer = lookup(req, true);
          const address = addresses.get(customer.id)!.find((a) => String(a.id) === req.params.addressId);
          if (!address) return fail(90006);
          return { status: 200, body: { data: address, messages: [], total: 1 } };
        }),
      },
      {
        method: 'DELETE',
        path: '/customers/:lk/:lv/addresses/:addressId',
        handler: guarded((req) => {
          const customer = lookup(req, true);
          const list = addresses.get(customer.id)!;
          const at = list.findIndex((a) => String(a.id) === req.params.addressId);
          if (at < 0) return fail(90006);
          list.splice(at, 1);
          return { status: 200, body: { data: { id: Number(req.params.addressId) }, messages: ['Address deleted'], total: 1 } };
        }),
      },
    ],
  });

  return {
    url: server.url,
    profile: {
      dialect: 'propeller',
      baseUrl: server.url,
      auth: { type: 'oauth2', tokenUrl: 'oauth/token', clientId, clientSecret },
      source: 'custsync',
    },
    stats: server.stats,
    tokenRequests: () => tokenCount,
    close: server.close,
  };
}
