import { parseCustomer, emailKey, type Customer } from '../../src/core/customer.js';
import type { Dialect, DialectContext, WriteResult } from '../../src/core/dialect.js';
import { RemoteError } from '../../src/core/errors.js';
import { startEmulatorServer, type EmulatorServer } from '../../src/emulator/server.js';
import { HttpClient } from '../../src/http/client.js';
import { silentLogger } from '../../src/ui/logger.js';

/**
 * A tiny JSON customer store on loopback and a Dialect that talks to it, for
 * in-process tests of the migrate pipeline. The store keeps every create as a
 * new row (no unique email), so a duplicate sent by the pipeline is visible.
 * `dropAfterCreates`: once that many rows are stored, the batch that crossed
 * it is kept but answered 500 (the target committed, the client never learns
 * it): the client does not retry a create, so the run stops there.
 */
export interface LoopbackStore {
  server: EmulatorServer;
  rows: Array<{ id: string; customer: Customer }>;
  /** Creates and updates per email, to check "exactly once". */
  creates: Map<string, number>;
  dropAfterCreates?: number;
}

export async function startLoopbackStore(): Promise<LoopbackStore> {
  const store: LoopbackStore = { rows: [], creates: new Map(), server: undefined as unknown as EmulatorServer };
  let next = 1;
  store.server = await startEmulatorServer({
    name: 'loopback',
    routes: [
      {
        method: 'POST',
        path: '/customers/batch',
        handler: (req) => {
          const body = JSON.parse(req.body) as { customers: Customer[] };
          const results = body.customers.map((customer) => {
            if (customer.email === 'refuse@example.com') return { key: customer.key, error: 'email is not allowed' };
            const id = `T${next++}`;
            store.rows.push({ id, customer });
            const email = emailKey(customer.email) ?? customer.key;
            store.creates.set(email, (store.creates.get(email) ?? 0) + 1);
            return { key: customer.key, id };
          });
          if (store.dropAfterCreates !== undefined && store.rows.length >= store.dropAfterCreates) {
            store.dropAfterCreates = undefined;
            throw new Error('crashed after storing the batch');
          }
          return { status: 200, body: { results } };
        },
      },
      {
        method: 'PUT',
        path: '/customers/:id',
        handler: (req) => {
          const row = store.rows.find((r) => r.id === req.params.id);
          if (!row) return { status: 404, body: { error: 'not found' } };
          row.customer = JSON.parse(req.body) as Customer;
          return { status: 200, body: { id: row.id } };
        },
      },
      {
        method: 'GET',
        path: '/customers',
        handler: (req) => {
          const email = req.query.get('email');
          const key = req.query.get('key');
          if (email || key) {
            const found = store.rows.filter((r) => (email && emailKey(r.customer.email) === emailKey(email)) || (key && r.customer.key === key));
            return { status: 200, body: { customers: found.map((r) => ({ id: r.id, ...r.customer })) } };
          }
          const page = Number(req.query.get('page') ?? '1');
          const slice = store.rows.slice((page - 1) * 25, page * 25);
          return { status: 200, body: { customers: slice.map((r) => ({ id: r.id, ...r.customer })) } };
        },
      },
    ],
  });
  return store;
}

/** A dialect context for the store; no retries, so a failed batch stops the run at once. */
export function loopbackContext(store: LoopbackStore, name = 'loopback'): DialectContext {
  const http = new HttpClient({ profileName: name, baseUrl: store.server.url, log: silentLogger, retries: 0, retryPolicy: { baseDelayMs: 1, maxDelayMs: 5 } });
  return { profileName: name, profile: { dialect: 'loopback', baseUrl: store.server.url }, http, log: silentLogger, concurrency: 2, file: { rawCsv: false, ignoreUnknownColumns: false } };
}

export interface LoopbackDialectOptions {
  batchSize?: number;
  /** Update records that exist (matched by key) instead of always creating. Off: every write is a create, as a naive target does. */
  upsert?: boolean;
}

export function loopbackDialect(options: LoopbackDialectOptions = {}): Dialect {
  const batchSize = options.batchSize ?? 10;
  const find = async (ctx: DialectContext, record: Customer): Promise<string | undefined> => {
    for (const query of [{ key: record.key }, record.email ? { email: record.email } : undefined]) {
      if (!query) continue;
      const response = await ctx.http.send({ method: 'GET', path: '/customers', query });
      const found = (JSON.parse(response.text) as { customers: Array<{ id: string }> }).customers[0];
      if (found) return found.id;
    }
    return undefined;
  };
  return {
    id: 'loopback',
    title: 'test store',
    kind: 'remote',
    upsertMatches: options.upsert === true,
    async *read(ctx) {
      for (let page = 1; ; page += 1) {
        const response = await ctx.http.send({ method: 'GET', path: '/customers', query: { page } });
        const rows = (JSON.parse(response.text) as { customers: Array<Customer & { id: string }> }).customers;
        if (rows.length === 0) return;
        for (const { id, ...customer } of rows) yield parseCustomer({ ...customer, key: id });
      }
    },
    async *write(ctx, records) {
      let batch: Customer[] = [];
      const send = async function* (): AsyncGenerator<WriteResult> {
        const creates: Customer[] = [];
        for (const record of batch) {
          const existing = options.upsert ? await find(ctx, record) : undefined;
          if (existing) {
            await ctx.http.send({ method: 'PUT', path: `/customers/${existing}`, json: record });
            yield { status: 'updated', key: record.key, id: existing, record };
          } else creates.push(record);
        }
        if (creates.length === 0) return;
        const response = await ctx.http.send({ method: 'POST', path: '/customers/batch', json: { customers: creates } });
        if (response.status >= 400) throw new RemoteError(`batch answered ${response.status}`);
        const results = (JSON.parse(response.text) as { results: Array<{ key: string; id?: string; error?: string }> }).results;
        for (const [i, result] of results.entries()) {
          yield result.error
            ? { status: 'rejected', key: result.key, reason: result.error, record: creates[i] }
            : { status: 'created', key: result.key, id: result.id, record: creates[i] };
        }
      };
      for await (const record of records) {
        batch.push(record);
        if (batch.length >= batchSize) {
          yield* send();
          batch = [];
        }
      }
      if (batch.length > 0) yield* send();
    },
    find,
    preview: (record) => ({ customer: { ...record, password: record.passwordHash } }),
  };
}

/** A source dialect over an array (or a generator), for feeding the pipeline. */
export function arrayDialect(records: () => Iterable<Customer>): Dialect {
  return {
    id: 'array',
    title: 'in-memory source',
    kind: 'file',
    async *read() {
      yield* records();
    },
    async *write() {
      throw new Error('read only');
    },
  };
}
