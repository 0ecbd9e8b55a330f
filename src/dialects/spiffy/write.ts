import type { Customer } from '../../core/customer.js';
import type { DialectContext, WriteMode, WriteOptions, WriteResult } from '../../core/dialect.js';
import { SpiffyApi } from './client.js';
import { payloadUnchanged, toWire } from './mapping.js';
import { mapUnordered } from '../../core/concurrent.js';
import { emailRefusal } from '../../core/email.js';

/**
 * Writes records to Spiffy, `ctx.concurrency` at a time: each record is
 * looked up (by id when it came from this profile, else by email), then
 * created (`POST`, `201`) or updated (`PUT`) as the mode allows, or reported
 * `unchanged` when the store already holds what would be sent. A `4xx` about
 * one record (e.g. `422` email taken) rejects that record with the server's
 * message; failures of the whole remote side throw.
 */
export function writeRecords(ctx: DialectContext, records: AsyncIterable<Customer>, options: WriteOptions): AsyncGenerator<WriteResult> {
  const api = new SpiffyApi(ctx);
  // Into a store that was empty when the write began, nothing can be found: no lookup before a create.
  // (custsync sends one record per email a run, so none of its own creates can match another.)
  let empty: Promise<boolean> | undefined;
  const emptyAtStart = () => (empty ??= options.mode === 'update' ? Promise.resolve(false) : api.count().then((n) => n === 0));
  return mapUnordered(records, ctx.concurrency, async (record) => writeOne(api, ctx, record, options.mode, { empty: await emptyAtStart(), knownId: options.knownId?.(record) }));
}

/** What Spiffy would refuse, known without asking (its `422 email is invalid`): rejected before any request, and by dry runs. */
export function checkRecord(record: Customer): string | undefined {
  return emailRefusal(record.email);
}

/** What is known before looking: the store was empty when the write began; the id the crosswalk has (a changed record). */
interface Hints {
  empty: boolean;
  knownId?: string;
}

async function writeOne(api: SpiffyApi, ctx: DialectContext, record: Customer, mode: WriteMode, hints: Hints): Promise<WriteResult> {
  const base = { key: record.key, record };
  const problem = checkRecord(record);
  if (problem !== undefined) return { ...base, status: 'rejected', reason: problem };
  const payload = toWire(record);
  if (mode === 'upsert' && hints.knownId !== undefined && /^\d+$/.test(hints.knownId)) {
    // Confirmed earlier and changed since: updated where it is, without a lookup; looked for again only when it is gone.
    const answer = await api.update(Number(hints.knownId), payload);
    if (answer.ok) return { ...base, id: hints.knownId, status: 'updated' };
    if (!answer.gone) return { ...base, id: hints.knownId, status: answer.failed ? 'failed' : 'rejected', reason: answer.reason };
  } else if (hints.empty && mode !== 'update') {
    const answer = await api.create(payload);
    return answer.ok ? { ...base, id: String(answer.customer.id), status: 'created' } : { ...base, status: answer.failed ? 'failed' : 'rejected', reason: answer.reason };
  }
  const existing = await api.locate(record);
  if (existing) {
    const id = String(existing.id);
    if (mode === 'create') return { ...base, id, status: 'rejected', reason: `exists on the target as customer ${id} (--mode create)` };
    if (payloadUnchanged(payload, existing, ctx.profileName)) return { ...base, id, status: 'unchanged' };
    const answer = await api.update(existing.id, payload);
    return answer.ok ? { ...base, id, status: 'updated' } : { ...base, id, status: answer.failed ? 'failed' : 'rejected', reason: answer.reason };
  }
  if (mode === 'update') return { ...base, status: 'rejected', reason: `not found on the target${record.email ? ` by email ${record.email}` : ' (no email to look it up by)'} (--mode update)` };
  const answer = await api.create(payload);
  return answer.ok ? { ...base, id: String(answer.customer.id), status: 'created' } : { ...base, status: answer.failed ? 'failed' : 'rejected', reason: answer.reason };
}
