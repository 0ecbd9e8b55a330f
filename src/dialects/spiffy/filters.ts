import type { Condition, ReadQuery } from '../../core/query.js';

/**
 * Which parts of a read query Spiffy can answer on the server (the list
 * filters of the document). Pure. Every parameter chosen here selects a
 * superset of what the query accepts: the client still applies the whole
 * query (`applyQuery`), so results are the same with or without push-down.
 *
 * Dates go as `YYYY-MM-DD HH:MM` in UTC (the document's format; SPEC: UTC,
 * inclusive): a lower bound is rounded down to the minute and an upper bound
 * up, so that the server never drops a record the query wants.
 */
export type ListFilters = Record<string, string>;

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** `2014-12-31 12:00` in UTC; `up` rounds a time with seconds up to the next minute. */
export function spiffyMinute(instant: Date, up = false): string {
  let ms = instant.getTime();
  const floor = ms - (((ms % 60_000) + 60_000) % 60_000);
  ms = up && floor !== ms ? floor + 60_000 : floor;
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

interface Bounds {
  min?: Date;
  max?: Date;
}

function tighten(bounds: Bounds, condition: Condition): void {
  const at = new Date(condition.value);
  if (Number.isNaN(at.getTime())) return;
  const { op } = condition;
  if (op === '>' || op === '>=' || op === '=') if (!bounds.min || at > bounds.min) bounds.min = at;
  if (op === '<' || op === '<=' || op === '=') if (!bounds.max || at < bounds.max) bounds.max = at;
}

const integer = /^\d+$/;

/** The list/count filters for a query; conditions that cannot be pushed down are simply left to the client. */
export function pushDown(query: Pick<ReadQuery, 'since' | 'where'>): ListFilters {
  const filters: ListFilters = {};
  const created: Bounds = {};
  const updated: Bounds = { min: query.since };
  let sinceId: bigint | undefined;
  let ids: string | undefined;
  for (const condition of query.where) {
    const { field, op, value } = condition;
    switch (field) {
      case 'createdAt':
        tighten(created, condition);
        break;
      case 'updatedAt':
        tighten(updated, condition);
        break;
      case 'id':
        if (!integer.test(value)) break;
        // Two different `id =` match nothing; the server is asked for the first and the client drops it.
        if (op === '=') ids ??= String(BigInt(value));
        else if (op === '>' || op === '>=') {
          const after = BigInt(value) - (op === '>=' ? 1n : 0n);
          if (sinceId === undefined || after > sinceId) sinceId = after;
        }
        break;
      case 'wholesale':
        if (op === '=' && (value === 'true' || value === 'false')) filters.wholesale_status = value === 'true' ? 'wholesale' : 'retail';
        break;
      case 'marketingOptIn':
        if (op === '=' && (value === 'true' || value === 'false')) filters.marketing_status = value === 'true' ? 'accepts_marketing' : 'rejects_marketing';
        break;
      default:
        break;
    }
  }
  if (ids !== undefined) filters.ids = ids;
  if (sinceId !== undefined && sinceId >= 0n) filters.since_id = String(sinceId);
  if (created.min) filters.created_at_min = spiffyMinute(created.min);
  if (created.max) filters.created_at_max = spiffyMinute(created.max, true);
  if (updated.min) filters.updated_at_min = spiffyMinute(updated.min);
  if (updated.max) filters.updated_at_max = spiffyMinute(updated.max, true);
  return filters;
}
