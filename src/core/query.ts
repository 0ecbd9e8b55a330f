import { UserError } from './errors.js';
import { isCalendarDate, type Customer } from './customer.js';

/**
 * `--where EXPR` and `--since ISO` (SPEC section 1). A dialect may push some
 * conditions down to its API; {@link matches} applies all of them on the
 * client so that the result is the same either way.
 */

export const operators = ['=', '!=', '~', '>=', '<=', '>', '<'] as const;
export type Operator = (typeof operators)[number];

export interface Condition {
  field: WhereField;
  op: Operator;
  value: string;
}

export interface ReadQuery {
  /** Only records changed at or after this instant. */
  since?: Date;
  /** All must hold. */
  where: Condition[];
  /** Stop after this many records. */
  limit?: number;
}

/**
 * Canonical fields `--where` can name: the scalar ones, `groups` (a record
 * matches when any group does), `id` (the id in the source system) and `name`
 * (the full name or the company).
 */
export const whereFields = [
  'key', 'email', 'title', 'firstName', 'middleName', 'lastName', 'company', 'phone', 'mobile', 'altPhone',
  'dateOfBirth', 'gender', 'language', 'groups', 'marketingOptIn', 'status', 'discountPercent', 'wholesale',
  'credit', 'totalSpent', 'ordersCount', 'note', 'externalId', 'createdAt', 'updatedAt', 'id', 'name',
] as const;
export type WhereField = (typeof whereFields)[number];

const numericFields = new Set<WhereField>(['discountPercent', 'credit', 'totalSpent', 'ordersCount']);
const instantFields = new Set<WhereField>(['createdAt', 'updatedAt']);
const wholeNumber = /^-?\d+$/;

/** Parses `field OP value`; the value may be quoted. */
export function parseCondition(expr: string): Condition {
  const match = /^\s*([A-Za-z_]+)\s*(!=|>=|<=|=|~|>|<)\s*(.*?)\s*$/s.exec(expr);
  if (!match) {
    throw new UserError(
      `--where "${expr}" is not of the form "field OP value"`,
      `OP is one of ${operators.join(' ')}, e.g. --where "email ~ @example.com"`,
    );
  }
  const [, rawField, op, rawValue] = match;
  const field = toCamel(rawField);
  if (!(whereFields as readonly string[]).includes(field)) {
    throw new UserError(`--where names an unknown field "${rawField}"`, `fields: ${whereFields.join(', ')}`);
  }
  let value = rawValue;
  if (/^(["']).*\1$/s.test(value)) value = value.slice(1, -1);
  else if (/^[=<>!~]/.test(value)) {
    throw new UserError(`--where "${expr}": "${op}${value.slice(0, 2)}" is not an operator`, `OP is one of ${operators.join(' ')}; quote a value that starts with one of = < > ! ~`);
  }
  const condition: Condition = { field: field as WhereField, op: op as Operator, value };
  if (numericFields.has(condition.field) && op !== '~' && (value.trim() === '' || Number.isNaN(Number(value)))) {
    throw new UserError(`--where "${expr}": ${rawField} is a number, "${value}" is not`);
  }
  if (instantFields.has(condition.field) && op !== '~') condition.value = parseInstant(value, `--where ${rawField}`).toISOString();
  return condition;
}

function toCamel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * `--since` and instant comparisons: ISO 8601; without an offset, or a bare
 * date, it is read as UTC.
 */
export function parseInstant(text: string, what = '--since'): Date {
  const trimmed = text.trim();
  let iso = trimmed;
  // A bare date is UTC to Date already; a date and time without an offset would be local time.
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(trimmed)) iso = `${trimmed.replace(' ', 'T')}Z`;
  const date = new Date(iso);
  if (!isCalendarDate(trimmed) || Number.isNaN(date.getTime())) {
    throw new UserError(`${what} "${text}" is not an ISO 8601 date or instant`, 'e.g. 2026-01-31 or 2026-01-31T08:00:00+01:00');
  }
  return date;
}

function fieldValues(customer: Customer, field: WhereField): Array<string | number | boolean> {
  if (field === 'groups') return customer.groups;
  if (field === 'id') return customer.source ? [customer.source.id] : [customer.key];
  if (field === 'name') {
    const full = [customer.firstName, customer.middleName, customer.lastName].filter(Boolean).join(' ');
    return [full, customer.company].filter((v): v is string => Boolean(v));
  }
  const value = customer[field];
  return value === undefined ? [] : [value];
}

function compare(actual: string | number | boolean, condition: Condition): boolean {
  const { op, value, field } = condition;
  if (op === '~') return String(actual).toLowerCase().includes(value.toLowerCase());
  let left: string | number;
  let right: string | number;
  if (numericFields.has(field)) {
    left = Number(actual);
    right = Number(value);
  } else if ((field === 'id' || field === 'key') && wholeNumber.test(String(actual)) && wholeNumber.test(value.trim())) {
    // Numeric ids order as numbers: "99" < "100".
    left = Number(actual);
    right = Number(value);
  } else if (instantFields.has(field)) {
    left = new Date(String(actual)).getTime();
    right = new Date(value).getTime();
  } else if (field === 'email') {
    left = String(actual).toLowerCase();
    right = value.toLowerCase();
  } else {
    left = String(actual);
    right = value;
  }
  switch (op) {
    case '=': return left === right;
    case '!=': return left !== right;
    case '>': return left > right;
    case '>=': return left >= right;
    case '<': return left < right;
    case '<=': return left <= right;
  }
}

/** True when the customer satisfies one condition; an absent field only satisfies `!=`. */
export function matchesCondition(customer: Customer, condition: Condition): boolean {
  const values = fieldValues(customer, condition.field);
  if (condition.op === '!=') return values.every((v) => compare(v, condition));
  return values.some((v) => compare(v, condition));
}

/** True when the customer satisfies the whole query (except `limit`). */
export function matches(customer: Customer, query: ReadQuery): boolean {
  if (query.since) {
    const changed = customer.updatedAt ?? customer.createdAt;
    if (changed === undefined || new Date(changed).getTime() < query.since.getTime()) return false;
  }
  return query.where.every((c) => matchesCondition(customer, c));
}

/** Applies the query on the client: the safety net behind every push-down. */
export async function* applyQuery(records: AsyncIterable<Customer>, query: ReadQuery): AsyncGenerator<Customer> {
  let count = 0;
  if (query.limit !== undefined && query.limit <= 0) return;
  for await (const record of records) {
    if (!matches(record, query)) continue;
    yield record;
    count += 1;
    if (query.limit !== undefined && count >= query.limit) return;
  }
}
