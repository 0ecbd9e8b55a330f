import { createHash } from 'node:crypto';
import type { Customer } from '../customer.js';
import { stableStringify } from '../stable-json.js';
import { flatten } from '../diff.js';

/** The content hash stored in the crosswalk: sha256 of the record as it is sent. */
export function contentHash(record: Customer): string {
  return createHash('sha256').update(stableStringify(record)).digest('hex');
}

/** Fields the target sets for itself: a different value there is not a field the target cannot hold. */
const systemFields = new Set(['createdAt', 'updatedAt']);

/** Fields of `record` that `stored` (the target's projection of it) does not hold as they were, as the paths `diff` prints. */
export function lostFields(record: Customer, stored: Customer): string[] {
  const after = flatten(stored);
  const lost: string[] = [];
  for (const [path, value] of flatten(record)) if (!systemFields.has(path) && after.get(path) !== value) lost.push(path);
  return lost;
}
