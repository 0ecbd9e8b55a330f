import type { Condition, Operator } from '../../core/query.js';
import { negate } from './mapping.js';

/**
 * `--where` conditions as Cabinetry search criteria
 * (`filter[FIELD][COND]=VALUE`, SPEC section 8). Pure.
 *
 * A condition is pushed down only where the server's answer is sure to hold
 * every record the client-side check keeps (the API compares text without
 * regard to case, as its database does, and a field may be empty); the
 * client applies every condition again, so results are the same either way:
 * - `email`: every operator (custsync compares emails case-insensitively too,
 *   and every customer has one);
 * - `name`/`company` (the API's `name`), `phone`, `groups` (`customer_labels`):
 *   `=` (eq) and `~` (like %…%); their `!=` and orderings stay on the client,
 *   because a case-insensitive server would drop records that differ only in case;
 * - `discountPercent`: every operator but `~`, on `price_adjustment` with the
 *   sign turned (a 10 % discount is an adjustment of -10);
 * - `status`: `= / != suspended|active` as `settings.is_suspended`;
 * - `key`/`id`: `=` and `!=` with a numeric id.
 */
export type Cond = 'eq' | 'neq' | 'like' | 'in' | 'gt' | 'gte' | 'lt' | 'lte';

export const condOf: Record<Exclude<Operator, '~'>, Cond> = { '=': 'eq', '!=': 'neq', '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte' };
/** The condition that holds for -x when the original holds for x. */
const mirrored: Record<Cond, Cond> = { eq: 'eq', neq: 'neq', gt: 'lt', gte: 'lte', lt: 'gt', lte: 'gte', like: 'like', in: 'in' };

export interface Criterion {
  field: string;
  cond: Cond;
  value: string;
}

export interface SearchPlan {
  /** Sent as `filter[field][cond]=value`. */
  criteria: Criterion[];
  /** Conditions left to the client alone. */
  clientOnly: Condition[];
}

function likeValue(value: string): string {
  return `%${value}%`;
}

function criterionFor(condition: Condition): Criterion | undefined {
  const { field, op, value } = condition;
  switch (field) {
    case 'email':
      return op === '~' ? { field: 'email', cond: 'like', value: likeValue(value) } : { field: 'email', cond: condOf[op], value };
    case 'name':
    case 'company':
    case 'phone':
    case 'groups': {
      const wireField = field === 'company' ? 'name' : field === 'groups' ? 'customer_labels' : field;
      if (op === '=') return { field: wireField, cond: 'eq', value };
      if (op === '~') return { field: wireField, cond: 'like', value: likeValue(value) };
      return undefined;
    }
    case 'discountPercent': {
      const n = Number(value);
      if (op === '~' || value.trim() === '' || !Number.isFinite(n)) return undefined;
      return { field: 'price_adjustment', cond: mirrored[condOf[op]], value: String(negate(n)) };
    }
    case 'status': {
      if ((op !== '=' && op !== '!=') || (value !== 'suspended' && value !== 'active')) return undefined;
      const suspended = (value === 'suspended') === (op === '=');
      return { field: 'settings.is_suspended', cond: 'eq', value: suspended ? '1' : '0' };
    }
    case 'key':
    case 'id':
      if ((op === '=' || op === '!=') && /^\d+$/.test(value)) return { field: 'id', cond: condOf[op], value };
      return undefined;
    default:
      return undefined;
  }
}

/** Splits the conditions into search criteria and client-only ones (at most one criterion per field and condition). */
export function planSearch(conditions: Condition[]): SearchPlan {
  const criteria: Criterion[] = [];
  const clientOnly: Condition[] = [];
  for (const condition of conditions) {
    const criterion = criterionFor(condition);
    if (criterion && !criteria.some((c) => c.field === criterion.field && c.cond === criterion.cond)) criteria.push(criterion);
    else clientOnly.push(condition);
  }
  return { criteria, clientOnly };
}

/** The query parameters of a plan's criteria. */
export function criteriaParams(criteria: Criterion[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const c of criteria) params[`filter[${c.field}][${c.cond}]`] = c.value;
  return params;
}
