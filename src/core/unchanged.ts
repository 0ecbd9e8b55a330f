import type { Customer } from './customer.js';
import type { Dialect, DialectContext } from './dialect.js';
import { compareRecords } from './diff.js';

/** Set by the target on every write: never a reason to write. */
const targetDates: ReadonlySet<string> = new Set(['createdAt', 'updatedAt']);

/**
 * "Re-pushing identical records reports `unchanged`" for targets whose
 * write cannot tell (`Dialect.stored`): a check, run before a record is
 * sent, that is true when the target already holds the record as it would
 * be written. It compares as `diff --to` does: the record's projection (what
 * the target would store) against the stored record, the target's dates
 * left out, a field the record lacks not a change (a write leaves it as it
 * is). Undefined when no check is needed: the target's write compares by
 * itself, or the target is empty (one count instead of a lookup a record).
 */
export async function unchangedCheck(target: { dialect: Dialect; ctx: DialectContext }): Promise<((record: Customer) => Promise<boolean>) | undefined> {
  const { dialect, ctx } = target;
  const stored = dialect.stored;
  if (!stored) return undefined;
  if (dialect.count && (await dialect.count(ctx).catch(() => undefined)) === 0) return undefined;
  return async (record) => {
    const held = await stored.call(dialect, ctx, record);
    if (!held) return false;
    let wanted: Customer;
    try {
      wanted = dialect.project ? dialect.project(record, ctx) : record;
    } catch {
      // Not writable as it is: the write says why.
      return false;
    }
    return compareRecords(wanted, held, targetDates, true).length === 0;
  };
}
