import type { DialectContext } from '../../core/dialect.js';
import { ProtocolError } from '../../core/errors.js';
import { bulkUpsert } from './client.js';
import { describeFailure, errorBodyOf, propellerErrorMessage } from './errors.js';
import type { WireCustomerInput } from './schema.js';

/** A customer of the batch that the bulk answer confirmed. */
export interface Landed {
  index: number;
  id: string;
  status: 'created' | 'updated';
}

/**
 * Sends one batch (customers with their addresses inline) in one bulk call
 * and reads each item's result. `reject` is called for every customer that
 * did not land, with the reason (and `failed` when it cannot be told).
 *
 * A call refused as a whole (a 4xx) whose messages name items
 * (`#/customers/3: extraneous key [company] is not permitted`) rejects
 * those and sends the rest again; one that names none rejects the batch.
 */
export async function sendBatch(
  ctx: DialectContext,
  sending: Array<{ index: number; payload: WireCustomerInput }>,
  reject: (index: number, reason: string, status?: 'rejected' | 'failed') => void,
): Promise<Landed[]> {
  const landed: Landed[] = [];
  let pending = sending;
  while (pending.length > 0) {
    const answer = await bulkUpsert(ctx, pending.map((s) => s.payload));
    if (answer.failure) {
      const body = errorBodyOf(answer.failure);
      const messages = body?.messages ?? [];
      const named = new Map<number, string[]>();
      for (const message of messages) {
        const at = /^#\/customers\/(\d+)(?:[/:]|$)/.exec(message);
        if (at && Number(at[1]) < pending.length) named.set(Number(at[1]), [...(named.get(Number(at[1])) ?? []), message]);
      }
      if (named.size === 0) {
        // Nothing of it landed, and nothing says which customer was the cause. A 5xx that was
        // not retried may have landed or not: failed, not rejected (SPEC section 6).
        const reason = describeFailure(answer.failure);
        const status = answer.failure.status >= 500 ? 'failed' : 'rejected';
        for (const { index } of pending) reject(index, reason, status);
        break;
      }
      for (const [position, own] of named) reject(pending[position].index, propellerErrorMessage({ ...body, messages: own }));
      pending = pending.filter((_, position) => !named.has(position));
      continue;
    }
    const items = answer.items!;
    if (items.length !== pending.length) {
      throw new ProtocolError(`POST customers/bulk/sourceId answered ${items.length} results for ${pending.length} customers`, { method: 'POST' });
    }
    items.forEach((item, j) => {
      const { index } = pending[j];
      if (item.success && item.id !== undefined && item.id !== null) {
        landed.push({ index, id: String(item.id), status: item.action?.toLowerCase() === 'update' ? 'updated' : 'created' });
      } else {
        reject(index, propellerErrorMessage(item.error ?? undefined));
      }
    });
    break;
  }
  return landed;
}
