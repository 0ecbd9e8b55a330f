import type { Customer } from '../../core/customer.js';
import { generateCustomer, generateCustomers } from '../../emulator/generator.js';
import { startEmulatorServer, type EmulatorReply, type EmulatorRequest } from '../../emulator/server.js';
import type { EmulatorHandle, EmulatorOptions, MutableBase } from '../../emulator/types.js';
import { answerAddress, answerCustomer, storeInput, type StoredAddress, type StoredCustomer } from './answer.js';
import { parseDateOfBirth } from './dates.js';
import { propellerErrors } from './errors.js';
import { MappingError, toWireCustomer } from './mapping.js';
import { addressKeys, bulkCustomerKeys } from './schema.js';
import { emulatorClock } from '../../emulator/clock.js';

/**
 * The Propeller sandbox (SPEC sections 7 and 8), as the platform speaks:
 * the API under `/v2/`, the OAuth2 token endpoint beside it at
 * `/oauth2/token`; customers by lookup key; the sourceId bulk upsert with
 * addresses inline, per-item results, and `400 10007` for a key the
 * reference does not publish; a search that knows only `debtorIds`,
 * `dateCreated`, `dateModified`, `page` and `offset` and ignores any other
 * field; `sources` only with `?expands=sources`; answers in the platform's
 * forms (upper-case gender and language, `August, 28 1993 00:00:00 +0000`,
 * local times without offset, "" for absent values); no rule about emails.
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
  /** `token_type` of token answers (default `BearerToken`); null leaves it out. */
  tokenType?: string | null;
  /** `expires_in` as a string of digits (default) or as a number. */
  expiresInAs?: 'string' | 'number';
  /** Time each address read takes (on top of `latencyMs`); the reads in flight meanwhile are counted. */
  addressLatencyMs?: number;
}

export interface PropellerEmulatorHandle extends EmulatorHandle {
  /** Token requests answered with a token. */
  tokenRequests(): number;
  /** The most address reads that were in flight at once (counted while `addressLatencyMs` runs). */
  maxAddressReadsInFlight(): number;
}

/** Where the API and the token endpoint live on the emulator's host, as on api.helice.cloud. */
export const apiRoot = '/v2';
export const tokenPath = '/oauth2/token';

const clientId = 'custsync-sandbox';
const clientSecret = 'sandbox-client-secret-not-for-production';
const customerKeys = new Set<string>(bulkCustomerKeys);
const addressKeySet = new Set<string>(addressKeys);
const stringFields = ['firstName', 'middleName', 'lastName', 'abbreviation', 'title', 'phone', 'email', 'pricelistAmount', 'pricelistPercentage', 'sourceId', 'source'];
const addressStringFields = ['code', 'firstName', 'middleName', 'lastName', 'company', 'street', 'numberExtension', 'postalCode', 'city', 'region', 'phone', 'mobile', 'email', 'url', 'notes'];

type Json = Record<string, unknown>;

/** An answer in Propeller's error envelope. */
function fail(code: number, messages?: string[], status?: number): EmulatorReply {
  const known = propellerErrors[code];
  const httpStatus = status ?? known?.status ?? 400;
  return {
    status: httpStatus,
    body: { error: { code, status: httpStatus, type: known?.type ?? 'Error', messages: messages ?? [known?.message ?? 'Error'], moreInfo: 'https://www.propel.us/docs/errors' } },
  };
}

const errorOf = (reply: EmulatorReply) => (reply.body as { error: unknown }).error;

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

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** The tenant's local time, no offset: `2020-12-12` or `2020-12-12T00:00:00`. */
const localTimePattern = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;

/** Keys the reference does not publish, as the schema validator words them; any of them fails the whole call. */
function extraneousKeys(body: Json, where: string, allowed: Set<string>): string[] {
  const problems = Object.keys(body).filter((name) => !allowed.has(name)).map((name) => `${where}: extraneous key [${name}] is not permitted`);
  if (Array.isArray(body.addresses)) {
    body.addresses.forEach((address, j) => {
      if (isObject(address)) problems.push(...extraneousKeys(address, `${where}/addresses/${j}`, addressKeySet));
    });
  }
  return problems;
}

/** Problems of a customer's values, as messages (empty when valid). */
function customerProblems(body: Json, requireSourceId: boolean): string[] {
  const problems: string[] = [];
  for (const name of stringFields) if (body[name] !== undefined && body[name] !== null && typeof body[name] !== 'string') problems.push(`${name}: must be a string`);
  if (requireSourceId && (typeof body.sourceId !== 'string' || body.sourceId.trim() === '')) problems.push('sourceId: is required');
  if (requireSourceId && (typeof body.source !== 'string' || body.source.trim() === '')) problems.push('source: is required');
  if (typeof body.email === 'string' && !emailPattern.test(body.email)) problems.push(`email: "${body.email}" is not a valid email address`);
  if (body.gender !== undefined && !(typeof body.gender === 'string' && /^[mfu]$/i.test(body.gender))) problems.push('gender: must be one of M, F, U');
  if (body.dateOfBirth !== undefined && !(typeof body.dateOfBirth === 'string' && parseDateOfBirth(body.dateOfBirth))) problems.push('dateOfBirth: must be a date');
  if (body.primaryLanguage !== undefined && !(typeof body.primaryLanguage === 'string' && /^[a-z]{2}$/i.test(body.primaryLanguage))) problems.push('primaryLanguage: must be an ISO 639-1 code');
  if (body.ssn !== undefined && !(typeof body.ssn === 'number' || (typeof body.ssn === 'string' && /^\d+$/.test(body.ssn)))) problems.push('ssn: must be an integer');
  if (body.debtorId !== undefined && typeof body.debtorId !== 'number' && typeof body.debtorId !== 'string') problems.push('debtorId: must be an integer or a string');
  if (body.parent !== undefined && !isObject(body.parent)) problems.push('parent: must be an object with id, or sourceId and source');
  if (body.addresses !== undefined) {
    if (!Array.isArray(body.addresses)) problems.push('addresses: must be an array');
    else body.addresses.forEach((address, j) => problems.push(...addressProblems(address).map((p) => `addresses/${j}/${p}`)));
  }
  return problems;
}

function addressProblems(body: unknown): string[] {
  if (!isObject(body)) return ['address: must be an object'];
  const problems: string[] = [];
  for (const name of addressStringFields) if (body[name] !== undefined && body[name] !== null && typeof body[name] !== 'string') problems.push(`${name}: must be a string`);
  if (body.type !== 'invoice' && body.type !== 'delivery') problems.push('type: is required, invoice or delivery');
  for (const name of ['street', 'city', 'country']) if (typeof body[name] !== 'string' || body[name].trim() === '') problems.push(`${name}: is required`);
  if (body.isDefault !== undefined && body.isDefault !== 'Y' && body.isDefault !== 'N') problems.push('isDefault: must be Y or N');
  if (body.icp !== undefined && body.icp !== 'Y' && body.icp !== 'N') problems.push('icp: must be Y or N');
  if (typeof body.country === 'string' && body.country !== '' && !/^[A-Z]{2}$/.test(body.country)) problems.push('country: must be an ISO 3166-1 alpha-2 code');
  if (typeof body.email === 'string' && !emailPattern.test(body.email)) problems.push('email: is not a valid email address');
  return problems;
}

/** A time range of the search (`{"from","to"}`, local times): the instants it names, taken as UTC. */
function range(value: unknown, name: string): { from?: number; to?: number } {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new Refusal(fail(10007, [`${name}: must be an object with from and/or to`]));
  const out: { from?: number; to?: number } = {};
  for (const end of ['from', 'to'] as const) {
    const text = value[end];
    if (text === undefined || text === null || text === '') continue;
    if (typeof text !== 'string' || !localTimePattern.test(text)) {
      throw new Refusal(fail(10007, [`${name}.${end}: must be a local date-time without offset, e.g. 2020-12-12T00:00:00`]));
    }
    out[end] = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : `${text.replace(' ', 'T')}Z`);
  }
  return out;
}

/** An instant to the second: answers show seconds, so the store holds no more. */
const toSecondOf = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();
const toSecond = (iso: string) => new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString();

export async function startPropellerEmulator(options: PropellerEmulatorOptions = {}): Promise<PropellerEmulatorHandle> {
  const clock = emulatorClock(options);
  /** Now on the emulator's clock, to the second. */
  const now = () => toSecondOf(clock());
  const ttl = options.tokenTtlSeconds ?? 3600;
  const announced = options.announcedExpiresIn ?? ttl;
  const tokens = new Map<string, number>();
  let tokenCount = 0;
  let addressReads = { now: 0, max: 0 };
  let nextCustomerId = 1;
  let nextAddressId = 1;
  const customers = new Map<number, StoredCustomer>();
  const deleted = new Set<number>();
  const addresses = new Map<number, StoredAddress[]>();

  /** sourceId → ids of the customers with an entry of that sourceId (under any source), so that lookups do not scan. */
  const bySourceIdIndex = new Map<string, Set<number>>();

  /** Applies a write and keeps the sourceId index in step with the customer's sources. */
  function write(customer: StoredCustomer, body: Json): StoredCustomer {
    for (const entry of customer.sources) bySourceIdIndex.get(entry.sourceId)?.delete(customer.id);
    storeInput(customer, body);
    for (const entry of customer.sources) {
      if (!bySourceIdIndex.has(entry.sourceId)) bySourceIdIndex.set(entry.sourceId, new Set());
      bySourceIdIndex.get(entry.sourceId)!.add(customer.id);
    }
    return customer;
  }

  function store(body: Json, dates?: { created?: string; modified?: string }): StoredCustomer {
    const id = nextCustomerId++;
    const customer = write({ id, sources: [], dateCreated: dates?.created ?? now(), dateModified: dates?.modified ?? now() }, body);
    customer.debtorId ??= 10_000 + id;
    customers.set(id, customer);
    addresses.set(id, []);
    return customer;
  }

  function bySourceId(sourceId: string, source: string | undefined, includeDeleted = false): StoredCustomer[] {
    return [...(bySourceIdIndex.get(sourceId) ?? [])]
      .map((id) => customers.get(id)!)
      .filter((c) => c.sources.some((s) => s.sourceId === sourceId && (source === undefined || s.source === source)) && (includeDeleted || !deleted.has(c.id)));
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

  const expands = (req: EmulatorRequest) => (req.query.get('expands') ?? '').split(',').map((s) => s.trim()).includes('sources');

  // Seed: generated customers written by an ERP under source "ERP"; every fifth has no source at
  // all (its key is then its id), and every fourth is also known to a CRM, listed first. Ids go up
  // with the creation time, as the platform hands them out: the generated creation times are dealt
  // out in order (and a change time before its creation moved up to it).
  const seeds = [...generateCustomers(options.customers ?? 50, options.seed ?? 1)];
  const creationTimes = seeds.map((record) => toSecond(record.createdAt!)).sort();
  function seed(record: Customer, index: number, dates?: { created: string; modified: string }): StoredCustomer {
    let wire: Json;
    try {
      wire = { ...toWireCustomer(record, 'ERP') };
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
      wire = { ...toWireCustomer({ ...record, addresses: [] }, 'ERP') };
    }
    const inline = (wire.addresses as Json[] | undefined) ?? [];
    delete wire.addresses;
    const sourced = index % 5 !== 4;
    if (!sourced) {
      delete wire.sourceId;
      delete wire.source;
    }
    const customer = store(wire, dates);
    // Backoffice data the bulk endpoint cannot write.
    if (record.mobile) customer.mobile = record.mobile;
    if (index % 7 === 3) customer.login = record.email;
    if (sourced && index % 4 === 1) {
      // Listed before the ERP's entry: the key must come from the profile's source, not the first entry.
      write(customer, { source: 'CRM', sourceId: `CRM-${index + 1}` });
      customer.sources.reverse();
    }
    for (const address of inline) upsertAddress(customer.id, { ...address });
    return customer;
  }
  seeds.forEach((record, index) => {
    const created = creationTimes[index];
    const modified = toSecond(record.updatedAt!);
    seed(record, index, { created, modified: modified < created ? created : modified });
  });
  seeds.length = 0;

  // Tests: customers created, deleted or changed between search requests (EmulatorOptions.beforeList).
  let signUps = 0;
  let searches = 0;
  const base: MutableBase = {
    keys: () => [...customers.keys()].filter((id) => !deleted.has(id)).map(String),
    create(count) {
      const keys: string[] = [];
      for (let i = 0; i < count; i += 1) {
        const index = (options.customers ?? 50) + signUps;
        signUps += 1;
        keys.push(String(seed(generateCustomer(index, options.seed ?? 1), index).id));
      }
      return keys;
    },
    remove(key) {
      const id = Number(key);
      if (!customers.has(id) || deleted.has(id)) return false;
      deleted.add(id);
      return true;
    },
    touch(key) {
      const customer = customers.get(Number(key));
      if (!customer || deleted.has(customer.id)) return false;
      customer.fax = `changed during a read (${searches})`;
      customer.dateModified = now();
      return true;
    },
  };

  const guarded = (handler: (req: EmulatorRequest) => EmulatorReply) => (req: EmulatorRequest): EmulatorReply => {
    try {
      return handler(req);
    } catch (error) {
      if (error instanceof Refusal) return error.reply;
      throw error;
    }
  };

  /** One customer of a bulk call: created or updated with its addresses, or its error. */
  function bulkItem(item: unknown): Json {
    const key = isObject(item) ? item.sourceId ?? null : null;
    // Propeller answers a numeric key as a number.
    const answeredKey = typeof key === 'string' && /^\d{1,15}$/.test(key) ? Number(key) : key;
    const itemFail = (reply: EmulatorReply) => ({ success: false, key: answeredKey, lookupKey: 'sourceId', error: errorOf(reply) });
    if (!isObject(item)) return itemFail(fail(10007, ['customer: must be an object']));
    const problems = customerProblems(item, true);
    if (problems.length > 0) return itemFail(fail(10007, problems));
    try {
      checkParent(item);
    } catch (error) {
      if (error instanceof Refusal) return itemFail(error.reply);
      throw error;
    }
    const all = bySourceId(item.sourceId as string, item.source as string, true);
    const live = all.filter((c) => !deleted.has(c.id));
    if (live.length > 1) return itemFail(fail(60005));
    if (live.length === 0 && all.length > 0) return itemFail(fail(60008));
    const { addresses: inline, ...fields } = item;
    let action: 'create' | 'update';
    let customer: StoredCustomer;
    if (live[0]) {
      customer = write(live[0], fields);
      customer.dateModified = now();
      action = 'update';
    } else {
      customer = store(fields);
      action = 'create';
    }
    for (const address of (inline as Json[] | undefined) ?? []) upsertAddress(customer.id, { ...address });
    return { action, id: customer.id, key: answeredKey, lookupKey: 'sourceId', success: true };
  }

  /** `GET …/addresses[?type=invoice|delivery]`: all of the customer's addresses, or those of one type. */
  const addressesOf = guarded((req) => {
    const customer = lookup(req, true);
    const type = req.query.get('type');
    if (type !== null && type !== 'invoice' && type !== 'delivery') return fail(10007, ['type: must be invoice or delivery']);
    const data = addresses.get(customer.id)!.filter((a) => type === null || a.type === type).map(answerAddress);
    return { status: 200, body: { data, messages: ['Completed'], total: data.length } };
  });

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
        path: tokenPath,
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
          const tokenType = options.tokenType === undefined ? 'BearerToken' : options.tokenType;
          return {
            status: 200,
            body: {
              access_token: token,
              ...(tokenType === null ? {} : { token_type: tokenType }),
              expires_in: options.expiresInAs === 'number' ? announced : String(announced),
              // Extra fields a client must ignore.
              scope: 'customers',
              issued_at: String(Date.now()),
            },
          };
        },
      },
      {
        method: 'POST',
        path: `${apiRoot}/customers`,
        handler: guarded((req) => {
          const body = parseJson(req);
          const extraneous = extraneousKeys(body, '#', customerKeys);
          if (extraneous.length > 0) return fail(10007, extraneous);
          const problems = customerProblems(body, false);
          if (problems.length > 0) return fail(10007, problems);
          if (typeof body.sourceId === 'string' && typeof body.source === 'string' && bySourceId(body.sourceId, body.source, true).length > 0) return fail(60004);
          checkParent(body);
          const { addresses: inline, ...fields } = body;
          const customer = store(fields);
          for (const address of (inline as Json[] | undefined) ?? []) upsertAddress(customer.id, { ...address });
          return { status: 201, body: { data: answerCustomer(customer, expands(req)), messages: ['Customer created'], total: 1 } };
        }),
      },
      {
        method: 'POST',
        path: `${apiRoot}/customers/bulk/sourceId`,
        handler: guarded((req) => {
          const body = parseJson(req);
          const list = body.customers;
          if (!Array.isArray(list) || list.length === 0) return fail(10007, ['#/customers: must be a non-empty array']);
          if (list.length > 100) return fail(10007, [`#/customers: at most 100 per call, got ${list.length}`]);
          const extraneous = list.flatMap((item, i) => (isObject(item) ? extraneousKeys(item, `#/customers/${i}`, customerKeys) : []));
          if (extraneous.length > 0) return fail(10007, extraneous);
          const data = list.map(bulkItem);
          return { status: 200, body: { data, messages: ['Completed'], total: data.length } };
        }),
      },
      {
        method: 'POST',
        path: `${apiRoot}/customers/search`,
        readOnly: true,
        handler: guarded((req) => {
          searches += 1;
          options.beforeList?.({ n: searches, query: req.query, base });
          // Only these fields mean anything here; any other is ignored, as the platform does.
          const body = parseJson(req);
          const page = body.page ?? 1;
          const offset = body.offset ?? 12;
          if (!Number.isInteger(page) || (page as number) < 1) return fail(10007, ['page: must be an integer of at least 1']);
          if (!Number.isInteger(offset) || (offset as number) < 1 || (offset as number) > 100) return fail(10007, ['offset: must be an integer from 1 to 100']);
          if (body.debtorIds !== undefined && !(Array.isArray(body.debtorIds) && body.debtorIds.every((s) => typeof s === 'string'))) {
            return fail(10007, ['debtorIds: must be an array of strings']);
          }
          const debtorIds = body.debtorIds === undefined ? undefined : new Set(body.debtorIds as string[]);
          const created = range(body.dateCreated, 'dateCreated');
          const modified = range(body.dateModified, 'dateModified');
          const within = (iso: string, r: { from?: number; to?: number }) => {
            if (r.from === undefined && r.to === undefined) return true;
            const at = Date.parse(iso);
            return (r.from === undefined || at >= r.from) && (r.to === undefined || at <= r.to);
          };
          const found = [...customers.values()].filter(
            (c) =>
              !deleted.has(c.id) &&
              (debtorIds === undefined || debtorIds.has(String(c.debtorId))) &&
              within(c.dateCreated, created) &&
              within(c.dateModified, modified),
          );
          const size = offset as number;
          const start = ((page as number) - 1) * size;
          const data = found.slice(start, start + size).map((c) => answerCustomer(c, expands(req)));
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
              itemsFound: found.length,
            },
          };
        }),
      },
      {
        method: 'GET',
        path: `${apiRoot}/customers/:lk/:lv`,
        handler: guarded((req) => ({ status: 200, body: { data: answerCustomer(lookup(req), expands(req)), messages: [], total: 1 } })),
      },
      {
        method: 'PATCH',
        path: `${apiRoot}/customers/:lk/:lv`,
        handler: guarded((req) => {
          const customer = lookup(req);
          const body = parseJson(req);
          const extraneous = extraneousKeys(body, '#', customerKeys);
          if (extraneous.length > 0) return fail(10007, extraneous);
          const problems = customerProblems(body, false);
          if (problems.length > 0) return fail(10007, problems);
          checkParent(body);
          const source = (body.source ?? customer.sources[0]?.source) as string | undefined;
          if (typeof body.sourceId === 'string' && bySourceId(body.sourceId, source).some((c) => c.id !== customer.id)) return fail(60004);
          const { addresses: inline, ...fields } = body;
          write(customer, { ...fields, ...(typeof body.sourceId === 'string' ? { source } : {}) });
          customer.dateModified = now();
          for (const address of (inline as Json[] | undefined) ?? []) upsertAddress(customer.id, { ...address });
          return { status: 200, body: { data: answerCustomer(customer, expands(req)), messages: ['Customer updated'], total: 1 } };
        }),
      },
      {
        method: 'DELETE',
        path: `${apiRoot}/customers/:lk/:lv`,
        handler: guarded((req) => {
          const customer = lookup(req);
          deleted.add(customer.id);
          return { status: 200, body: { data: { id: customer.id }, messages: ['Customer deleted'], total: 1 } };
        }),
      },
      {
        method: 'GET',
        path: `${apiRoot}/customers/:lk/:lv/addresses`,
        handler: async (req) => {
          if (options.addressLatencyMs) {
            addressReads = { now: addressReads.now + 1, max: Math.max(addressReads.max, addressReads.now + 1) };
            await new Promise((resolve) => setTimeout(resolve, options.addressLatencyMs));
            addressReads.now -= 1;
          }
          return addressesOf(req);
        },
      },
      {
        method: 'POST',
        path: `${apiRoot}/customers/:lk/:lv/addresses/bulk`,
        handler: guarded((req) => {
          const customer = lookup(req, true);
          const body = parseJson(req);
          if (!Array.isArray(body.addresses) || body.addresses.length === 0) return fail(10007, ['#/addresses: must be a non-empty array']);
          const extraneous = body.addresses.flatMap((a, j) => (isObject(a) ? extraneousKeys(a, `#/addresses/${j}`, addressKeySet) : []));
          if (extraneous.length > 0) return fail(10007, extraneous);
          const data = body.addresses.map((item: unknown) => {
            const key = isObject(item) ? item.code ?? null : null;
            const problems = addressProblems(item);
            if (problems.length > 0) return { success: false, key, lookupKey: 'code', error: errorOf(fail(10007, problems)) };
            const { action, address } = upsertAddress(customer.id, item as Json);
            return { action, id: address.id, key, lookupKey: 'code', success: true };
          });
          return { status: 200, body: { data, messages: ['Completed'], total: data.length } };
        }),
      },
      {
        method: 'GET',
        path: `${apiRoot}/customers/:lk/:lv/addresses/:addressId`,
        handler: guarded((req) => {
          const customer = lookup(req, true);
          const address = addresses.get(customer.id)!.find((a) => String(a.id) === req.params.addressId);
          if (!address) return fail(90006);
          return { status: 200, body: { data: answerAddress(address), messages: [], total: 1 } };
        }),
      },
      {
        method: 'DELETE',
        path: `${apiRoot}/customers/:lk/:lv/addresses/:addressId`,
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
      baseUrl: `${server.url}${apiRoot}`,
      // Relative: resolved against the host, as the real one (https://api.helice.cloud/oauth2/token) is.
      auth: { type: 'oauth2', tokenUrl: tokenPath, clientId, clientSecret },
      source: 'custsync',
    },
    stats: server.stats,
    tokenRequests: () => tokenCount,
    maxAddressReadsInFlight: () => addressReads.max,
    close: server.close,
  };
}
