import { createHash } from 'node:crypto';
import { generateCustomer, generateCustomers } from '../../emulator/generator.js';
import { hasBasic, startEmulatorServer, type EmulatorReply, type EmulatorRequest } from '../../emulator/server.js';
import type { EmulatorHandle, EmulatorOptions, MutableBase } from '../../emulator/types.js';
import { maxPageSize, defaultPageSize } from './client.js';
import { toWire } from './mapping.js';
import { formatSpec, joined, parseSpec, type ResourceSpec } from './resource-spec.js';
import { customerColumns, type CustomerColumn } from './schema.js';
import { buildXml, children, parseXml, text, type XmlNode } from './xml.js';
import { emulatorClock } from '../../emulator/clock.js';

/**
 * The sandbox of the ResultSet API (SPEC sections 7 and 8 `resultset`):
 * paged lists with field filters and `updated_since`, GET one, the batch
 * upsert with per-customer results, `PUT` partial updates, UserGroups, hashed
 * passwords, basic auth, and XML error bodies.
 */

const credentials = { username: 'sandbox', password: 'sandbox-resultset-secret' };
const xml = 'application/xml; charset=utf-8';

/** How the emulator stores a password: never the password itself. */
export function hashPassword(password: string): string {
  return `sha256:${createHash('sha256').update(password, 'utf8').digest('hex')}`;
}

interface StoredGroupLink {
  code: string;
  group_code: string;
  subscribed: string;
}

interface StoredCustomer {
  fields: Partial<Record<CustomerColumn, string>>;
  groups: StoredGroupLink[];
}

interface UserGroup {
  code: string;
  title: string;
  description?: string;
  subscribable?: string;
}

const writable = new Set<string>(customerColumns.filter((c) => c !== 'date_created' && c !== 'date_updated'));
const emailPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const booleanPattern = /^(0|1|true|false|yes|no|y|n)$/i;

function errorReply(status: number, message: string): EmulatorReply {
  return { status, contentType: xml, body: buildXml({ ResultSet: { Error: [{ code: String(status), message }] } }) };
}

/** A `<Customer>` as it stands inside a `<ResultSet>`: indented one level, as buildXml writes it there. */
function fragment(node: XmlNode): string {
  const whole = buildXml({ ResultSet: { Customer: [node] } });
  return whole.slice(whole.indexOf('<ResultSet>\n') + '<ResultSet>\n'.length, whole.lastIndexOf('</ResultSet>'));
}

function ok(root: Record<string, unknown>): EmulatorReply {
  return { status: 200, contentType: xml, body: buildXml({ ResultSet: root }) };
}

export class ResultsetStore {
  readonly customers = new Map<string, StoredCustomer>();
  /** Usernames in the list's order: the order they were created in. */
  readonly order: string[] = [];
  readonly groups = new Map<string, UserGroup>();
  private linkSeq = 0;
  private last = 0;

  /** `clock`: the emulator's clock (see emulator/clock.ts). */
  constructor(private readonly clock: () => number = Date.now) {}

  /** Strictly increasing ISO stamps, so that `updated_since` sees every change. */
  now(): string {
    this.last = Math.max(this.clock(), this.last + 1);
    return new Date(this.last).toISOString();
  }

  /** Each customer's `<Customer>` XML (with its groups) since its last change. */
  private readonly xml = new Map<string, string>();

  /** Stores a customer; a new username goes to the end of the list. */
  put(username: string, stored: StoredCustomer): void {
    if (!this.customers.has(username)) this.order.push(username);
    this.customers.set(username, stored);
    this.changed(username);
  }

  remove(username: string): boolean {
    if (!this.customers.delete(username)) return false;
    this.order.splice(this.order.indexOf(username), 1);
    this.changed(username);
    return true;
  }

  /** Call after changing a stored customer in place. */
  changed(username: string): void {
    this.xml.delete(username);
  }

  xmlOf(username: string, build: () => string): string {
    let text = this.xml.get(username);
    if (text === undefined) this.xml.set(username, (text = build()));
    return text;
  }

  link(code: string, subscribed = '1'): StoredGroupLink {
    this.linkSeq += 1;
    return { code: String(this.linkSeq), group_code: code, subscribed };
  }
}

function seed(store: ResultsetStore, options: EmulatorOptions): void {
  for (const code of ['retail', 'wholesale', 'vip', 'dealer', 'newsletter', 'trade', 'staff']) {
    store.groups.set(code, { code, title: code[0].toUpperCase() + code.slice(1), subscribable: 'public' });
  }
  let i = 0;
  for (const customer of generateCustomers(options.customers ?? 50, options.seed ?? 1)) {
    i += 1;
    const { UserCustomerGroup, ...fields } = toWire(customer);
    const stored: StoredCustomer = { fields: fields as StoredCustomer['fields'], groups: [] };
    for (const group of UserCustomerGroup ?? []) stored.groups.push(store.link(group.group_code, group.subscribed ?? (i % 5 === 0 ? '0' : '1')));
    if (i % 3 === 0) stored.fields.password = hashPassword(`password-${i}`);
    stored.fields.date_created = customer.createdAt;
    stored.fields.date_updated = customer.updatedAt;
    store.put(customer.key, stored);
  }
}

function customerNode(store: ResultsetStore, username: string, stored: StoredCustomer, resource: ResourceSpec): XmlNode {
  const node: Record<string, unknown> = {};
  for (const column of customerColumns) {
    const value = column === 'username' ? username : stored.fields[column];
    if (value !== undefined) node[column] = value;
  }
  const groupJoin = joined(resource, 'UserCustomerGroups');
  if (groupJoin) {
    node.UserCustomerGroup = stored.groups.map((link) => {
      const out: Record<string, unknown> = { code: link.code, username, group_code: link.group_code, subscribed: link.subscribed };
      const group = store.groups.get(link.group_code);
      if (joined(groupJoin, 'UserGroups') && group) out.UserGroup = [{ ...group }];
      return out;
    });
  }
  return node as XmlNode;
}

/** Parses a request body; undefined and a 400 reply when it is not a ResultSet. */
function readBody(req: EmulatorRequest): { root?: XmlNode; refusal?: EmulatorReply } {
  try {
    const parsed = parseXml(req.body, `${req.method} ${req.path}`);
    const root = parsed.ResultSet;
    if (root === undefined) return { refusal: errorReply(400, 'the body must be a <ResultSet>') };
    return { root: root === '' ? {} : (root as XmlNode) };
  } catch (error) {
    return { refusal: errorReply(400, (error as Error).message) };
  }
}

/** Problems of one `<Customer>`: the message for `<error>`, or undefined. */
function validateCustomer(store: ResultsetStore, node: XmlNode, withGroups: boolean): string | undefined {
  const username = text(node, 'username')?.trim();
  if (!username) return 'username is required';
  for (const [name, value] of Object.entries(node)) {
    if (name === 'UserCustomerGroup') continue;
    if (!writable.has(name)) return `unknown field "${name}"`;
    if (typeof value !== 'string') return `field "${name}" must be text`;
  }
  const email = text(node, 'email')?.trim();
  if (email && !emailPattern.test(email)) return `invalid email address "${email}"`;
  const discount = text(node, 'discount')?.trim();
  if (discount && !/^\d{1,3}$/.test(discount)) return `discount must be a whole percentage, not "${discount}"`;
  for (const flag of ['inactive', 'no_email']) {
    const value = text(node, flag)?.trim();
    if (value && !booleanPattern.test(value)) return `${flag} must be 0 or 1, not "${value}"`;
  }
  if (withGroups) {
    for (const group of children(node, 'UserCustomerGroup')) {
      const code = text(group, 'group_code')?.trim();
      if (!code) return 'UserCustomerGroup without group_code';
      if (!store.groups.has(code)) return `unknown group code "${code}": create it through UserGroups first`;
    }
  }
  return undefined;
}

/** Applies the sent fields (an empty element clears one); a password is stored hashed. */
function applyFields(stored: StoredCustomer, node: XmlNode): void {
  for (const [name, value] of Object.entries(node)) {
    if (!writable.has(name) || name === 'username' || typeof value !== 'string') continue;
    const column = name as CustomerColumn;
    if (value.trim() === '') delete stored.fields[column];
    else stored.fields[column] = column === 'password' ? hashPassword(value) : value;
  }
}

export function resultsetRoutes(store: ResultsetStore, onList: (req: EmulatorRequest) => void = () => undefined) {
  const resourceOf = (req: EmulatorRequest): ResourceSpec | EmulatorReply => {
    try {
      return parseSpec(req.params.spec);
    } catch (error) {
      return errorReply(400, (error as Error).message);
    }
  };
  const isReply = (value: object): value is EmulatorReply => 'status' in value;
  /** `…/Customer…/{username}`: the stored customer, or the 404 in the API's error shape. */
  const oneCustomer = (req: EmulatorRequest): { resource: ResourceSpec; stored: StoredCustomer } | EmulatorReply => {
    const resource = resourceOf(req);
    if (isReply(resource)) return resource;
    if (resource.resource !== 'Customer') return errorReply(404, `unknown resource ${resource.resource}`);
    const stored = store.customers.get(req.params.key);
    return stored ? { resource, stored } : errorReply(404, `Customer "${req.params.key}" not found`);
  };
  const positive = (raw: string | null, fallback: number): number | undefined => {
    if (raw === null) return fallback;
    return /^\d+$/.test(raw) && Number(raw) >= 1 ? Number(raw) : undefined;
  };

  const list = (req: EmulatorRequest, resource: ResourceSpec): EmulatorReply => {
    const page = positive(req.query.get('page'), 1);
    const limit = positive(req.query.get('limit'), defaultPageSize);
    if (page === undefined) return errorReply(400, `page must be a whole number from 1, not "${req.query.get('page')}"`);
    if (limit === undefined || limit > maxPageSize) return errorReply(400, `limit must be between 1 and ${maxPageSize}, not "${req.query.get('limit')}"`);
    if (resource.resource === 'UserGroups') {
      const all = [...store.groups.values()];
      return ok({ '@total': String(all.length), '@page': String(page), '@limit': String(limit), UserGroup: all.slice((page - 1) * limit, page * limit) });
    }
    let since: number | undefined;
    const filters: Array<[CustomerColumn, string]> = [];
    for (const [name, value] of req.query) {
      if (name === 'page' || name === 'limit') continue;
      if (name === 'updated_since') {
        since = new Date(value).getTime();
        if (Number.isNaN(since)) return errorReply(400, `updated_since must be an ISO 8601 instant, not "${value}"`);
      } else if ((customerColumns as readonly string[]).includes(name) && name !== 'password') {
        filters.push([name as CustomerColumn, value]);
      } else {
        return errorReply(400, `unknown filter "${name}"`);
      }
    }
    onList(req);
    // Without filters the page is a slice of the list; with them, the list is filtered first.
    const matching =
      since === undefined && filters.length === 0
        ? store.order
        : store.order.filter((username) => {
            const stored = store.customers.get(username)!;
            if (since !== undefined && new Date(stored.fields.date_updated ?? 0).getTime() < since) return false;
            return filters.every(([name, value]) => {
              const actual = name === 'username' ? username : (stored.fields[name] ?? '');
              return name === 'email' ? actual.toLowerCase() === value.toLowerCase() : actual === value;
            });
          });
    const slice = matching.slice((page - 1) * limit, page * limit).map((username): [string, StoredCustomer] => [username, store.customers.get(username)!]);
    const attributes = { '@total': String(matching.length), '@page': String(page), '@limit': String(limit) };
    if (formatSpec(resource) === 'Customer+UserCustomerGroups' && slice.length > 0) {
      // The common read, from customers' XML kept since their last change: the answer is the same text
      // buildXml would give, without building it again for every page (the benchmark measures the client).
      const head = buildXml({ ResultSet: attributes }).replace(/<\/ResultSet>\n$/, '\n');
      const body = slice.map(([username, stored]) => store.xmlOf(username, () => fragment(customerNode(store, username, stored, resource)))).join('');
      return { status: 200, contentType: xml, body: `${head}${body}</ResultSet>\n` };
    }
    return ok({ ...attributes, Customer: slice.map(([username, stored]) => customerNode(store, username, stored, resource)) });
  };

  const upsertCustomers = (root: XmlNode, resource: ResourceSpec): EmulatorReply => {
    const withGroups = joined(resource, 'UserCustomerGroups') !== undefined;
    const results: Array<Record<string, string>> = [];
    for (const node of children(root, 'Customer')) {
      const username = text(node, 'username')?.trim() ?? '';
      const problem = validateCustomer(store, node, withGroups);
      if (problem) {
        results.push({ username, error: problem });
        continue;
      }
      const existing = store.customers.get(username);
      const stored: StoredCustomer = existing ?? { fields: { date_created: store.now() }, groups: [] };
      applyFields(stored, node);
      const sentGroups = children(node, 'UserCustomerGroup');
      // Groups sent replace the customer's groups; none sent leaves them as they are.
      if (withGroups && sentGroups.length > 0) {
        stored.groups = [];
        for (const group of sentGroups) {
          const code = text(group, 'group_code')!.trim();
          if (stored.groups.some((link) => link.group_code === code)) continue;
          stored.groups.push(store.link(code, text(group, 'subscribed')?.trim() || '1'));
        }
      }
      stored.fields.date_updated = store.now();
      store.put(username, stored);
      results.push({ username, action: existing ? 'update' : 'create' });
    }
    return ok({ Result: results });
  };

  const upsertGroups = (root: XmlNode): EmulatorReply => {
    const results: Array<Record<string, string>> = [];
    for (const node of children(root, 'UserGroup')) {
      const code = text(node, 'code')?.trim() ?? '';
      if (!/^[A-Za-z0-9_.-]+$/.test(code)) {
        results.push({ code, error: code ? `invalid group code "${code}"` : 'code is required' });
        continue;
      }
      const existing = store.groups.get(code);
      store.groups.set(code, { ...existing, code, title: text(node, 'title')?.trim() || existing?.title || code, description: text(node, 'description') ?? existing?.description });
      results.push({ code, action: existing ? 'update' : 'create' });
    }
    return ok({ Result: results });
  };

  return [
    {
      method: 'GET',
      path: '/API/V3/:spec',
      handler: (req: EmulatorRequest): EmulatorReply => {
        const resource = resourceOf(req);
        if (isReply(resource)) return resource;
        if (resource.resource !== 'Customer' && resource.resource !== 'UserGroups') return errorReply(404, `unknown resource ${resource.resource}`);
        return list(req, resource);
      },
    },
    {
      method: 'GET',
      path: '/API/V3/:spec/:key',
      handler: (req: EmulatorRequest): EmulatorReply => {
        const found = oneCustomer(req);
        if (isReply(found)) return found;
        return ok({ Customer: [customerNode(store, req.params.key, found.stored, found.resource)] });
      },
    },
    {
      method: 'POST',
      path: '/API/V3/:spec',
      handler: (req: EmulatorRequest): EmulatorReply => {
        const resource = resourceOf(req);
        if (isReply(resource)) return resource;
        const { root, refusal } = readBody(req);
        if (refusal) return refusal;
        if (resource.resource === 'Customer') return upsertCustomers(root!, resource);
        if (resource.resource === 'UserGroups') return upsertGroups(root!);
        return errorReply(404, `unknown resource ${resource.resource}`);
      },
    },
    {
      method: 'PUT',
      path: '/API/V3/:spec/:key',
      handler: (req: EmulatorRequest): EmulatorReply => {
        const found = oneCustomer(req);
        if (isReply(found)) return found;
        const { stored } = found;
        const { root, refusal } = readBody(req);
        if (refusal) return refusal;
        const [node] = children(root, 'Customer');
        if (!node) return errorReply(400, 'the body must hold one <Customer>');
        const named = text(node, 'username')?.trim();
        if (named && named !== req.params.key) return errorReply(400, `username "${named}" does not match the path`);
        const problem = validateCustomer(store, { ...node, username: req.params.key }, false);
        if (problem) return errorReply(400, problem);
        applyFields(stored, node);
        stored.fields.date_updated = store.now();
        store.changed(req.params.key);
        return ok({ Result: [{ username: req.params.key, action: 'update' }] });
      },
    },
  ];
}

/** Tests: customers created, deleted or changed between pages (EmulatorOptions.beforeList). */
function mutableBase(store: ResultsetStore, options: EmulatorOptions): MutableBase {
  let created = 0;
  return {
    keys: () => [...store.order],
    create(count) {
      const keys: string[] = [];
      for (let i = 0; i < count; i += 1) {
        const customer = generateCustomer((options.customers ?? 50) + created, options.seed ?? 1);
        created += 1;
        const { UserCustomerGroup, ...fields } = toWire(customer);
        const stored: StoredCustomer = { fields: fields as StoredCustomer['fields'], groups: (UserCustomerGroup ?? []).map((g) => store.link(g.group_code)) };
        stored.fields.date_created = stored.fields.date_updated = store.now();
        store.put(customer.key, stored);
        keys.push(customer.key);
      }
      return keys;
    },
    remove: (key) => store.remove(key),
    touch(key) {
      const stored = store.customers.get(key);
      if (!stored) return false;
      stored.fields.custom_data4 = `changed ${store.now()}`;
      stored.fields.date_updated = store.now();
      store.changed(key);
      return true;
    },
  };
}

export async function startResultsetEmulator(options: EmulatorOptions): Promise<EmulatorHandle> {
  const store = new ResultsetStore(emulatorClock(options));
  seed(store, options);
  const base = mutableBase(store, options);
  let lists = 0;
  const onList = (req: EmulatorRequest) => {
    lists += 1;
    options.beforeList?.({ n: lists, query: req.query, base });
  };
  const server = await startEmulatorServer({
    ...options,
    name: 'resultset',
    routes: resultsetRoutes(store, onList),
    errorReply,
    authorize: (req) => (hasBasic(req, credentials.username, credentials.password) ? undefined : errorReply(401, 'authentication required: send HTTP basic auth')),
  });
  return {
    url: server.url,
    profile: { dialect: 'resultset', baseUrl: server.url, auth: { type: 'basic', ...credentials }, pageSize: defaultPageSize },
    stats: () => server.stats(),
    close: () => server.close(),
  };
}
