import type { Customer } from '../../core/customer.js';
import type { DialectContext, WriteMode, WriteResult } from '../../core/dialect.js';
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
export function writeRecords(ctx: DialectContext, records: AsyncIterable<Customer>, mode: WriteMode): AsyncGenerator<WriteResult> {
  const api = new SpiffyApi(ctx);
  return mapUnordered(records, ctx.concurrency, (record) => writeOne(api, ctx, record, mode));
}

/** What Spiffy would refuse, known without asking (its `422 email is invalid`): rejected before any request, and by dry runs. */
export function checkRecord(record: Customer): string | undefined {
  return emailRefusal(record.email);
}

async function writeOne(api: SpiffyApi, ctx: DialectContext, record: Customer, mode: WriteMode): Promise<WriteResult> {
  const base = { key: record.key, record };
  const problem = checkRecord(record);
  if (problem !== undefined) return { ...base, status: 'rejected', reason: problem };
  const payload = toWire(record);
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
