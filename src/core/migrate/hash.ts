import { createHash } from 'node:crypto';
import type { Customer } from '../customer.js';

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

/** Every leaf of a record as `path → JSON text`, with addresses named by kind (`addresses[billing].city`, `addresses[shipping#2].lines`). */
export function leaves(record: Customer): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined || name === 'addresses' || name === 'custom' || name === 'source') continue;
    if (Array.isArray(value) && value.length === 0) continue;
    out.set(name, stableStringify(value));
  }
  for (const [name, value] of Object.entries(record.custom)) out.set(`custom.${name}`, JSON.stringify(value));
  const seen: Record<string, number> = {};
  for (const address of record.addresses) {
    seen[address.kind] = (seen[address.kind] ?? 0) + 1;
    const tag = `addresses[${address.kind}${seen[address.kind] > 1 ? `#${seen[address.kind]}` : ''}]`;
    for (const [name, value] of Object.entries(address)) {
      if (value === undefined || name === 'kind' || name === 'isDefault') continue;
      if (Array.isArray(value) && value.length === 0) continue;
      out.set(`${tag}.${name}`, stableStringify(value));
    }
  }
  return out;
}

/** Fields of `record` that `stored` (the target's projection of it) does not hold as they were. */
export function lostFields(record: Customer, stored: Customer): string[] {
  const after = leaves(stored);
  const lost: string[] = [];
  for (const [path, value] of leaves(record)) if (after.get(path) !== value) lost.push(path);
  return lost;
}
