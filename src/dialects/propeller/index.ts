import { inBatches, mapUnordered } from '../../core/concurrent.js';
import type { Customer } from '../../core/customer.js';
import type { Dialect, DialectContext, WriteOptions, WriteResult } from '../../core/dialect.js';
import { emailRefusal } from '../../core/email.js';
import { addressesOf, batchSizeOf, existingIds, getCustomer, searchPage, sourceOf } from './client.js';
import { MappingError, projectHeld, toCanonical, toWireCustomer } from './mapping.js';
import { readPropeller, splitPropeller } from './read.js';
import type { WireCustomerInput } from './schema.js';
import { sendBatch } from './send.js';
import { EmailOwners } from './shared-emails.js';

/**
 * Propeller Commerce REST v2 (SPEC sections 4 and 8 `propeller`): customers
 * read through the search endpoint (with their `sources`) plus one address
 * read per customer, written 100 at a time with their addresses inline
 * through the sourceId bulk endpoint.
 */

/** The profile's source, if it has one: its entry in `sources` is the key. */
function profileSource(ctx: Pick<DialectContext, 'profile'>): string | undefined {
  return ctx.profile.source?.trim() || undefined;
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

/**
 * Batches of `batchSize` customers, up to `--concurrency` bulk calls in flight
 * at once (within the profile's rate limit); each batch's results are yielded
 * together when its call is answered, batches in the order they finish.
 */
async function* write(ctx: DialectContext, records: AsyncIterable<Customer>, options: WriteOptions): AsyncGenerator<WriteResult> {
  const source = sourceOf(ctx);
  // Into a target that was empty when the write began, no customer created can share an email
  // with one that was there (custsync sends one record per email a run): the scan is skipped.
  let emptyAtStart: Promise<boolean> | undefined;
  let owners: Promise<EmailOwners> | undefined;
  const writeBatch = async (batch: Customer[]): Promise<WriteResult[]> => {
    emptyAtStart ??= searchPage(ctx, 1, 1, {}, false).then((page) => page.total === 0);
    const empty = await emptyAtStart;
    const results: WriteResult[] = new Array(batch.length);
    const reject = (index: number, reason: string, status: 'rejected' | 'failed' = 'rejected') => {
      results[index] = { status, key: batch[index].key, reason, record: batch[index] };
    };
    let sending: Array<{ index: number; payload: WireCustomerInput }> = [];
    batch.forEach((record, index) => {
      const problem = checkRecord(record, source);
      if (problem !== undefined) reject(index, problem);
      else sending.push({ index, payload: toWireCustomer(record, source) });
    });
    if (sending.length > 0 && options.mode !== 'upsert') {
      const existing = await existingIds(ctx, sending.map((s) => batch[s.index].key), source);
      sending = sending.filter(({ index }) => {
        const id = existing.get(batch[index].key);
        if (options.mode === 'create' && id !== undefined) reject(index, `exists on the target as id ${id} (sourceId ${batch[index].key}, source ${source})`);
        else if (options.mode === 'update' && id === undefined) reject(index, `not found on the target (sourceId ${batch[index].key}, source ${source})`);
        else return true;
        return false;
      });
    }
    const landed = await sendBatch(ctx, sending, reject);
    const found = !empty && landed.some(({ index, status }) => status === 'created' && batch[index].email) ? await (owners ??= EmailOwners.scan(ctx)) : undefined;
    for (const { index, id, status } of landed) {
      const record = batch[index];
      const others = status === 'created' && record.email && found ? found.otherThan(record.email, Number(id)) : [];
      const note = others.length === 0 ? undefined : `shared email: ${record.email} is also on Propeller customer ${others.length === 1 ? 'id' : 'ids'} ${others.join(', ')}`;
      if (note) ctx.log.warn(`${record.key}: created as Propeller customer id ${id}; ${note} (Propeller allows it: merge them there if they are one person)`);
      results[index] = { status, key: record.key, id, record, ...(note ? { reason: note } : {}) };
    }
    return results;
  };
  for await (const results of mapUnordered(inBatches(records, batchSizeOf(ctx)), ctx.concurrency, writeBatch)) yield* results;
}

/**
 * Only the sourceId (+ the profile's source) identifies a customer here,
 * because that is what the bulk upsert keys on: a match by email would make
 * a dry run say "updated" where the push creates, and would let a resumed
 * migration skip a record that never landed under its sourceId.
 */
async function find(ctx: DialectContext, record: Customer): Promise<string | undefined> {
  const found = await getCustomer(ctx, { sourceId: record.key, source: sourceOf(ctx) });
  return found ? String(found.id) : undefined;
}

/** The customer under the record's sourceId (+ the profile's source), with its addresses: what a re-push compares with. */
async function stored(ctx: DialectContext, record: Customer): Promise<Customer | undefined> {
  const wire = await getCustomer(ctx, { sourceId: record.key, source: sourceOf(ctx) }, true);
  if (!wire) return undefined;
  const [addresses] = await addressesOf(ctx, [wire]);
  return toCanonical(wire, addresses, { profileName: ctx.profileName, source: profileSource(ctx) });
}

async function count(ctx: DialectContext): Promise<number> {
  return (await searchPage(ctx, 1, 1, {}, false)).total;
}

export const propellerDialect: Dialect = {
  id: 'propeller',
  title: 'Propeller Commerce REST v2 (OAuth2, lookup keys, bulk upserts)',
  kind: 'remote',
  // Upserts match existing customers, so a record in flight from a stopped run is safely sent again.
  upsertMatches: true,
  // --since (and --incremental) filter on the server: the search's dateModified (client.ts pushDown).
  changeFilter: 'dateModified.from',
  // Creation-time windows read concurrently, addresses per customer through the same gate (read.ts).
  read: readPropeller,
  // migrate --workers: creation-time parts, each read by the engine's windows within it (read.ts).
  split: splitPropeller,
  write,
  find,
  // The bulk upsert answers "update" (and re-dates the customer) whatever it was sent: push compares first.
  stored,
  check: (record, ctx) => checkRecord(record, sourceOf(ctx)),
  count,
  project: (record, ctx) => projectHeld(record, ctx.profile.source?.trim() ?? '', ctx.profileName),
  preview: (record, ctx) => {
    let customer: WireCustomerInput;
    try {
      customer = toWireCustomer(record, ctx.profile.source?.trim() ?? '');
    } catch (error) {
      if (error instanceof MappingError) return { rejected: error.message };
      throw error;
    }
    // Personal numbers never reach a dry run's output, whatever the caller masks.
    if (customer.ssn !== undefined) customer.ssn = '***';
    return customer;
  },
  // Loaded on demand: the emulator pulls in the customer generator (faker), which a real run never needs.
  emulator: { start: async (options) => (await import('./emulator.js')).startPropellerEmulator(options) },
};
