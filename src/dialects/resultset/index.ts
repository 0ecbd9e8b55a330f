import { inBatches, mapConcurrent, mapUnordered } from '../../core/concurrent.js';
import type { Customer } from '../../core/customer.js';
import { emailKey } from '../../core/customer.js';
import { emailRefusal } from '../../core/email.js';
import type { Dialect, DialectContext, WriteOptions, WriteResult } from '../../core/dialect.js';
import { ProtocolError } from '../../core/errors.js';
import {
  countCustomers,
  createUserGroups,
  getCustomer,
  listCustomers,
  listUserGroups,
  resourcePath,
  upsertCustomers,
  type UpsertResult,
} from './client.js';
import { customerWithGroups } from './resource-spec.js';
import { readResultset } from './read.js';
import { fromWire, groupTitle, project, toWire } from './mapping.js';
import type { CustomerNode } from './schema.js';

/** Bodies above this end the run (SPEC section 6): a hostile or runaway answer cannot eat memory. */
export const maxBodyBytes = 20 * 1024 * 1024;
export const defaultBatchSize = 100;

function readNode(node: CustomerNode, ctx: DialectContext): Customer {
  try {
    return fromWire(node, ctx.profileName);
  } catch (error) {
    throw new ProtocolError(`customer "${node.username}" from ${ctx.profileName} cannot be read: ${(error as Error).message.split('\n')[0]}`);
  }
}



/** State of one write run: the target's UserGroups, read once. */
interface WriteRun {
  groups?: Set<string>;
  /** Group codes the target refused to create, with its reason: not asked again. */
  refused?: Map<string, string>;
  /** Batches run concurrently: one at a time reads and creates groups, so a group is never created twice. */
  groupTurn?: Promise<unknown>;
}

/** What the API would answer `<error>` for, known without asking: rejected before the upsert, and by dry runs. */
function checkRecord(record: Customer): string | undefined {
  const email = emailRefusal(record.email);
  if (email !== undefined) return email;
  const discount = record.discountPercent === undefined ? undefined : Math.round(record.discountPercent);
  if (discount !== undefined && (discount < 0 || discount > 999)) return `discount must be a whole percentage from 0 to 999, not ${record.discountPercent}`;
  return undefined;
}

/** Creates the wanted group codes the target lacks; answers those it refused (code → reason), also when an earlier batch was refused them. */
async function ensureGroups(ctx: DialectContext, run: WriteRun, wanted: Map<string, string>): Promise<Map<string, string>> {
  run.groups ??= await listUserGroups(ctx);
  run.refused ??= new Map();
  const missing = [...wanted].filter(([code]) => !run.groups!.has(code) && !run.refused!.has(code)).map(([code, title]) => ({ code, title }));
  if (missing.length > 0) {
    const refused = await createUserGroups(ctx, missing);
    for (const { code } of missing) {
      const reason = refused.get(code);
      if (reason === undefined) run.groups.add(code);
      else run.refused.set(code, reason);
    }
  }
  return new Map([...wanted.keys()].filter((code) => run.refused!.has(code)).map((code) => [code, run.refused!.get(code)!]));
}

async function* writeBatch(ctx: DialectContext, run: WriteRun, records: Customer[], options: WriteOptions): AsyncGenerator<WriteResult> {
  let pending: Array<{ record: Customer; node: CustomerNode }> = [];
  for (const record of records) {
    const problem = checkRecord(record);
    if (problem !== undefined) yield { status: 'rejected', key: record.key, reason: problem, record };
    else pending.push({ record, node: toWire(record) });
  }

  // --mode create / update: look each record up first (the upsert alone cannot refuse).
  if (options.mode !== 'upsert') {
    const found = await mapConcurrent(pending, ctx.concurrency, async ({ record }) => (await getCustomer(ctx, record.key)) !== undefined);
    const kept: typeof pending = [];
    for (const [i, item] of pending.entries()) {
      if (options.mode === 'create' && found[i]) yield { status: 'rejected', key: item.record.key, id: item.record.key, reason: `exists on the target as ${item.record.key}`, record: item.record };
      else if (options.mode === 'update' && !found[i]) yield { status: 'rejected', key: item.record.key, reason: 'not found on the target', record: item.record };
      else kept.push(item);
    }
    pending = kept;
  }

  // Group codes the target lacks are created before the customers that use them.
  const wanted = new Map<string, string>();
  for (const { record } of pending) {
    for (const code of record.groups) {
      // A title a record names wins over the bare code another record implies.
      if (!wanted.has(code) || wanted.get(code) === code) wanted.set(code, groupTitle(record, code));
    }
  }
  if (wanted.size > 0) {
    const turn = (run.groupTurn ?? Promise.resolve()).then(() => ensureGroups(ctx, run, wanted));
    run.groupTurn = turn.catch(() => undefined);
    const refused = await turn;
    if (refused.size > 0) {
      const kept: typeof pending = [];
      for (const item of pending) {
        const bad = item.record.groups.find((code) => refused.has(code));
        if (bad) yield { status: 'rejected', key: item.record.key, reason: `group "${bad}" could not be created: ${refused.get(bad)}`, record: item.record };
        else kept.push(item);
      }
      pending = kept;
    }
  }
  if (pending.length === 0) return;

  const results = await upsertCustomers(ctx, pending.map((item) => item.node));
  // Results are matched by username; a username sent twice gets its results in order.
  const byUsername = new Map<string, UpsertResult[]>();
  for (const result of results) {
    const list = byUsername.get(result.username ?? '') ?? [];
    list.push(result);
    byUsername.set(result.username ?? '', list);
  }
  for (const { record } of pending) {
    const result = byUsername.get(record.key)?.shift();
    if (!result) yield { status: 'failed', key: record.key, reason: 'the upsert answer has no <Result> for this username', record };
    else if (result.error !== undefined) yield { status: 'rejected', key: record.key, reason: result.error || 'refused by the server', record };
    else if (result.action === 'create') yield { status: 'created', key: record.key, id: record.key, record };
    else if (result.action === 'update') yield { status: 'updated', key: record.key, id: record.key, record };
    else yield { status: 'failed', key: record.key, reason: 'the upsert answer has neither <action> nor <error> for this username', record };
  }
}

/** `resultset`: the XML ResultSet API under `/API/V3/` (SPEC sections 4 and 8). */
export const resultsetDialect: Dialect = {
  id: 'resultset',
  title: 'XML ResultSet API (/API/V3/Customer+UserCustomerGroups)',
  kind: 'remote',
  // Upserts match existing customers, so a record in flight from a stopped run is safely sent again.
  upsertMatches: true,
  // --since (and --incremental) filter on the server (client.ts pushDown).
  changeFilter: 'updated_since',

  // Concurrent, overlapping position reads with every seam checked (read.ts).
  read: (ctx, query) => readResultset(ctx, query, (node) => readNode(node, ctx)),

  // Batches up to --concurrency at once (within the rate limit), each one bulk upsert; results per batch as it is answered.
  async *write(ctx, records, options) {
    const run: WriteRun = {};
    const one = async (batch: Customer[]) => {
      const results: WriteResult[] = [];
      for await (const result of writeBatch(ctx, run, batch, options)) results.push(result);
      return results;
    };
    for await (const results of mapUnordered(inBatches(records, ctx.profile.batchSize ?? defaultBatchSize), ctx.concurrency, one)) yield* results;
  },

  check: (record) => checkRecord(record),

  async find(ctx, record) {
    const one = await getCustomer(ctx, record.key);
    if (one) return one.username;
    const email = emailKey(record.email);
    if (!email) return undefined;
    for await (const page of listCustomers(ctx, { email: record.email! }, 10)) {
      const match = page.find((node) => emailKey(node.email) === email);
      if (match) return match.username;
      break;
    }
    return undefined;
  },

  // The upsert answers "update" (and bumps date_updated) whatever it was sent: push compares first.
  async stored(ctx, record) {
    const node = await getCustomer(ctx, record.key);
    return node && readNode(node, ctx);
  },

  count: (ctx) => countCustomers(ctx),

  project: (record, ctx) => project(record, ctx.profileName),

  preview: (record) => ({ [`POST ${resourcePath(customerWithGroups)}`]: { Customer: toWire(record) } }),

  http: { maxBodyBytes },

  // Loaded on demand: the emulator pulls in the customer generator (faker), which a real run never needs.
  emulator: { start: async (options) => (await import('./emulator.js')).startResultsetEmulator(options) },
};
