import { inBatches, mapConcurrent } from '../../core/concurrent.js';
import type { Customer } from '../../core/customer.js';
import type { Dialect, DialectContext, WriteOptions, WriteResult } from '../../core/dialect.js';
import { emailRefusal } from '../../core/email.js';
import { ProtocolError } from '../../core/errors.js';
import { matches, type ReadQuery } from '../../core/query.js';
import {
  addressesOf,
  batchSizeOf,
  bulkAddresses,
  bulkUpsert,
  existingIds,
  getBySourceId,
  otherOwnerOfEmail,
  pushDown,
  searchAll,
  searchPage,
  sourceOf,
} from './client.js';
import { describeFailure, propellerErrorMessage } from './errors.js';
import { MappingError, project, toCanonical, toWireAddresses, toWireCustomer } from './mapping.js';
import type { WireCustomerInput } from './schema.js';

/**
 * Propeller Commerce REST v2 (SPEC sections 4 and 8 `propeller`): customers
 * by lookup key, read through the search endpoint plus the addresses of each
 * customer, written through the sourceId bulk endpoint plus one addresses
 * bulk call per customer.
 */

async function* read(ctx: DialectContext, query: ReadQuery): AsyncGenerator<Customer> {
  if (query.limit !== undefined && query.limit <= 0) return;
  let count = 0;
  for await (const page of searchAll(ctx, pushDown(query))) {
    // The query never looks at addresses, so filter first and fetch addresses only for what is kept.
    const kept = page.filter((wire) => matches(toCanonical(wire, [], { profileName: ctx.profileName }), query));
    const wanted = query.limit === undefined ? kept : kept.slice(0, query.limit - count);
    const addresses = await addressesOf(ctx, wanted);
    for (const [i, wire] of wanted.entries()) {
      yield toCanonical(wire, addresses[i], { profileName: ctx.profileName });
      count += 1;
    }
    if (query.limit !== undefined && count >= query.limit) return;
  }
}

/** What the API would refuse, known without asking (its schema checks): rejected before sending, and by dry runs. */
function checkRecord(record: Customer, source: string): string | undefined {
  let payload: WireCustomerInput;
  try {
    payload = toWireCustomer(record, source);
  } catch (error) {
    if (error instanceof MappingError) return error.message;
    throw error;
  }
  const email = emailRefusal(payload.email);
  if (email !== undefined) return email;
  if (payload.ssn !== undefined && !/^\d+$/.test(String(payload.ssn))) return `custom.ssn must be a whole number, not "${String(payload.ssn)}"`;
  if (payload.primaryLanguage !== undefined && !/^[a-z]{2}$/i.test(payload.primaryLanguage)) return `custom.primaryLanguage must be an ISO 639-1 code, not "${payload.primaryLanguage}"`;
  return undefined;
}

interface Landed {
  index: number;
  id: string;
  status: 'created' | 'updated';
}

async function* write(ctx: DialectContext, records: AsyncIterable<Customer>, options: WriteOptions): AsyncGenerator<WriteResult> {
  const source = sourceOf(ctx);
  // Into a target that was empty when the write began, every customer is one of ours: the
  // per-record email check (one search each) can be skipped, which halves the requests.
  const emptyAtStart = (await searchPage(ctx, 1, 1, {})).total === 0;
  for await (const batch of inBatches(records, batchSizeOf(ctx))) {
    const results: WriteResult[] = new Array(batch.length);
    const reject = (index: number, reason: string) => {
      results[index] = { status: 'rejected', key: batch[index].key, reason, record: batch[index] };
    };
    let sending: Array<{ index: number; payload: WireCustomerInput }> = [];
    batch.forEach((record, index) => {
      const problem = checkRecord(record, source);
      if (problem !== undefined) reject(index, problem);
      else sending.push({ index, payload: toWireCustomer(record, source) });
    });
    if (sending.length > 0) {
      const existing = await existingIds(ctx, sending.map((s) => batch[s.index].key), source);
      // A new sourceId whose email another customer has would be a second customer with that email.
      const fresh = emptyAtStart ? [] : sending.filter(({ index }) => !existing.has(batch[index].key));
      const owners = await mapConcurrent(fresh, ctx.concurrency, ({ index }) => otherOwnerOfEmail(ctx, batch[index], source));
      const taken = new Map(fresh.map(({ index }, i) => [index, owners[i]] as const).filter(([, owner]) => owner !== undefined));
      sending = sending.filter(({ index }) => {
        const id = existing.get(batch[index].key);
        const owner = taken.get(index);
        if (options.mode === 'create' && id !== undefined) reject(index, `exists on the target as id ${id} (sourceId ${batch[index].key}, source ${source})`);
        else if (options.mode === 'update' && id === undefined) reject(index, `not found on the target (sourceId ${batch[index].key}, source ${source})`);
        else if (owner !== undefined) reject(index, owner);
        else return true;
        return false;
      });
    }
    const landed: Landed[] = [];
    if (sending.length > 0) {
      const answer = await bulkUpsert(ctx, sending.map((s) => s.payload));
      if (answer.failure) {
        // The whole batch was refused (a 4xx): nothing of it landed. A 5xx that was not retried: unknown.
        const reason = describeFailure(answer.failure);
        const status = answer.failure.status >= 500 ? 'failed' : 'rejected';
        for (const { index } of sending) results[index] = { status, key: batch[index].key, reason, record: batch[index] };
      } else {
        const items = answer.items!;
        if (items.length !== sending.length) {
          throw new ProtocolError(`POST customers/bulk/sourceId answered ${items.length} results for ${sending.length} customers`, { method: 'POST' });
        }
        items.forEach((item, j) => {
          const { index } = sending[j];
          if (item.success && item.id !== undefined) landed.push({ index, id: String(item.id), status: item.action === 'update' ? 'updated' : 'created' });
          else reject(index, propellerErrorMessage(item.error));
        });
      }
    }
    await mapConcurrent(landed, ctx.concurrency, async ({ index, id, status }) => {
      const record = batch[index];
      const addresses = toWireAddresses(record);
      results[index] = { status, key: record.key, id, record };
      if (addresses.length === 0) return;
      const answer = await bulkAddresses(ctx, id, addresses);
      const refused = answer.failure ? describeFailure(answer.failure) : answer.items?.find((item) => !item.success);
      if (refused !== undefined) {
        const reason = typeof refused === 'string' ? refused : `${addresses[answer.items!.indexOf(refused)]?.code}: ${propellerErrorMessage(refused.error)}`;
        // Refused for what the record holds (SPEC section 6: rejected); a 5xx that was not retried: failed.
        const outcome = answer.failure && answer.failure.status >= 500 ? 'failed' : 'rejected';
        results[index] = { status: outcome, key: record.key, id, record, reason: `customer ${status} as id ${id}, but its addresses were refused: ${reason}` };
      }
    });
    yield* results;
  }
}

/**
 * Only the sourceId (+ the profile's source) identifies a customer here,
 * because that is what the bulk upsert keys on: a match by email would make
 * a dry run say "updated" where the push creates, and would let a resumed
 * migration skip a record that never landed under its sourceId.
 */
async function find(ctx: DialectContext, record: Customer): Promise<string | undefined> {
  const byKey = await getBySourceId(ctx, record.key, sourceOf(ctx));
  return byKey ? String(byKey.id) : undefined;
}

async function refusal(ctx: DialectContext, record: Customer): Promise<string | undefined> {
  return otherOwnerOfEmail(ctx, record, sourceOf(ctx));
}

async function count(ctx: DialectContext): Promise<number> {
  return (await searchPage(ctx, 1, 1, {})).total;
}

export const propellerDialect: Dialect = {
  id: 'propeller',
  title: 'Propeller Commerce REST v2 (OAuth2, lookup keys, bulk upserts)',
  kind: 'remote',
  // Upserts match existing customers, so a record in flight from a stopped run is safely sent again.
  upsertMatches: true,
  read,
  write,
  find,
  check: (record, ctx) => checkRecord(record, ctx.profile.source ?? ''),
  refusal,
  count,
  project: (record, ctx) => project(record, ctx.profile.source ?? '', ctx.profileName),
  preview: (record, ctx) => {
    let customer: WireCustomerInput;
    try {
      customer = toWireCustomer(record, ctx.profile.source ?? '');
    } catch (error) {
      if (error instanceof MappingError) return { rejected: error.message };
      throw error;
    }
    // Personal numbers never reach a dry run's output, whatever the caller masks.
    if (customer.ssn !== undefined) customer.ssn = '***';
    return { customer, addresses: toWireAddresses(record) };
  },
  // Loaded on demand: the emulator pulls in the customer generator (faker), which a real run never needs.
  emulator: { start: async (options) => (await import('./emulator.js')).startPropellerEmulator(options) },
};
