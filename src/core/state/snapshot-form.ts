import { createHash } from 'node:crypto';
import type { Customer } from '../customer.js';

/**
 * The form in which a record is kept in a snapshot: a password hash is
 * replaced by a digest of it (`sha256:…`), so the state holds nothing a
 * password could be checked against, while a changed hash still shows as a
 * change. `diff --since-last` compares `snapshotForm(current)` with what
 * `StateBackend.readSnapshot` yields. Idempotent.
 */
export function snapshotForm(record: Customer): Customer {
  if (record.passwordHash === undefined || record.passwordHash.startsWith('sha256:')) return record;
  return { ...record, passwordHash: `sha256:${createHash('sha256').update(record.passwordHash).digest('hex')}` };
}
