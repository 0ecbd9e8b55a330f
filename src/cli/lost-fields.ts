import type { Customer } from '../core/customer.js';
import type { Dialect, DialectContext } from '../core/dialect.js';
import { lostFields } from '../core/migrate/hash.js';
import type { Logger } from '../ui/logger.js';

/**
 * What a target cannot hold of the records pushed to it (a Shopify file has
 * no title, one address …), counted per field and said at the end as
 * `migrate` says it: `note: TARGET cannot hold FIELD (N records)`.
 */
export function lostFieldNotes(target: { dialect: Dialect; ctx: DialectContext; label: string }): { count(record: Customer): void; report(log: Logger): void } {
  const lost = new Map<string, number>();
  return {
    count(record) {
      if (!target.dialect.project) return;
      let stored: Customer | undefined;
      try {
        stored = target.dialect.project(record, target.ctx);
      } catch {
        // A record the target's mapping refuses is rejected, with its reason, elsewhere.
      }
      if (stored) for (const field of lostFields(record, stored)) lost.set(field, (lost.get(field) ?? 0) + 1);
    },
    report(log) {
      for (const [field, n] of lost) log.info(`note: ${target.label} cannot hold ${field} (${n} ${n === 1 ? 'record' : 'records'})`);
    },
  };
}
