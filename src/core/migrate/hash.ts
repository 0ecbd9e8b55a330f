import { createHash } from 'node:crypto';
import type { Customer } from '../customer.js';
import { flatten } from '../diff.js';

/** JSON with object keys sorted, so equal records always give equal text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, inner]) => `${JSON.stringify(name)}:${stableStringify(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

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
