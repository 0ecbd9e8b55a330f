import type { SpiffyCustomer } from './schema.js';

/**
 * The emulator's reading of the list, count and search parameters of the
 * document. Pure: a parameter set becomes a predicate, or a `400` message
 * naming the parameter.
 */
export type Stored = SpiffyCustomer & { id: number };
export type Predicate = (customer: Stored) => boolean;
export type Parsed<T> = { ok: true; value: T } | { ok: false, field: string; message: string };

const bad = (field: string, message: string): Parsed<never> => ({ ok: false, field, message });

/**
 * A filter date: the document's `2014-12-31 12:00` (also with seconds, or a
 * bare date) read as UTC (SPEC section 4), or ISO 8601 with an offset.
 */
export function parseFilterDate(text: string): Date | undefined {
  const t = text.trim();
  let iso = t;
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) iso = `${t}T00:00:00Z`;
  else if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t)) iso = `${t.replace(' ', 'T')}Z`;
  else if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(t)) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const instant = (text: string | null | undefined) => (text ? new Date(text).getTime() : Number.NaN);

/** The filters shared by list, search and count (`ids`, `since_id`, statuses, date bounds). */
export function listFilters(query: URLSearchParams): Parsed<Predicate[]> {
  const predicates: Predicate[] = [];
  const ids = query.get('ids');
  if (ids !== null) {
    const list = ids.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (list.length === 0 || list.some((s) => !/^\d+$/.test(s))) return bad('ids', 'must be a comma-separated list of customer ids');
    const wanted = new Set(list.map(Number));
    predicates.push((c) => wanted.has(c.id));
  }
  const sinceId = query.get('since_id');
  if (sinceId !== null) {
    if (!/^\d+$/.test(sinceId)) return bad('since_id', 'must be a customer id');
    predicates.push((c) => c.id > Number(sinceId));
  }
  const wholesale = query.get('wholesale_status');
  if (wholesale !== null) {
    if (wholesale !== 'wholesale' && wholesale !== 'retail') return bad('wholesale_status', "must be 'wholesale' or 'retail'");
    predicates.push((c) => (c.wholesale === true) === (wholesale === 'wholesale'));
  }
  const marketing = query.get('marketing_status');
  if (marketing !== null) {
    if (marketing !== 'accepts_marketing' && marketing !== 'rejects_marketing') return bad('marketing_status', "must be 'accepts_marketing' or 'rejects_marketing'");
    predicates.push((c) => (c.accepts_marketing === true) === (marketing === 'accepts_marketing'));
  }
  for (const [name, property, isMin] of [
    ['created_at_min', 'created_at', true],
    ['created_at_max', 'created_at', false],
    ['updated_at_min', 'updated_at', true],
    ['updated_at_max', 'updated_at', false],
  ] as const) {
    const raw = query.get(name);
    if (raw === null) continue;
    const bound = parseFilterDate(raw);
    if (!bound) return bad(name, 'must be a date and time like "2014-12-31 12:00"');
    const at = bound.getTime();
    // Inclusive at both ends (SPEC section 4).
    predicates.push(isMin ? (c) => instant(c[property]) >= at : (c) => instant(c[property]) <= at);
  }
  return { ok: true, value: predicates };
}

/** `limit` (default 30, 1..50) and `page` (from 1). */
export function paging(query: URLSearchParams): Parsed<{ limit: number; page: number }> {
  const limitText = query.get('limit') ?? '30';
  const pageText = query.get('page') ?? '1';
  if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 50) return bad('limit', 'must be between 1 and 50');
  if (!/^\d+$/.test(pageText) || Number(pageText) < 1) return bad('page', 'must be 1 or more');
  return { ok: true, value: { limit: Number(limitText), page: Number(pageText) } };
}

/** `fields=id,name,email`: only those properties; the addresses are then always left out. */
export function selectFields(customer: Stored, fields: string | null): Record<string, unknown> {
  if (fields === null || fields.trim() === '') return customer;
  const wanted = fields.split(',').map((f) => f.trim()).filter((f) => f !== '' && f !== 'addresses' && f !== 'default_address');
  const out: Record<string, unknown> = {};
  for (const name of wanted) if (name in customer) out[name] = (customer as Record<string, unknown>)[name];
  return out;
}

function numberCondition(text: string): ((n: number) => boolean) | undefined {
  const match = /^([<>]?)(-?\d+(\.\d+)?)$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[2]);
  if (match[1] === '<') return (n) => n < value;
  if (match[1] === '>') return (n) => n > value;
  return (n) => n === value;
}

function searchFilter(name: string, value: string): Predicate | undefined {
  switch (name) {
    case 'accepts_marketing':
    case 'wholesale': {
      if (value !== '0' && value !== '1') return undefined;
      return (c) => (c[name] === true) === (value === '1');
    }
    case 'country': {
      const wanted = value.toLowerCase();
      return (c) => (c.addresses ?? []).some((a) => a.country?.toLowerCase() === wanted || a.country_code?.toLowerCase() === wanted);
    }
    case 'state':
      return (c) => c.state === value;
    case 'orders_count':
    case 'total_spent':
    case 'credit': {
      const test = numberCondition(value);
      return test ? (c) => test(Number(c[name] ?? 0)) : undefined;
    }
    case 'order_date':
    case 'last_abandoned_order_date':
      // The emulator keeps no orders: no customer has an order date.
      return () => false;
    default:
      return undefined;
  }
}

const searchFilterNames = new Set(['accepts_marketing', 'country', 'last_abandoned_order_date', 'order_date', 'orders_count', 'state', 'total_spent', 'credit', 'wholesale']);

/** Name, email and location: what free text in `query` is matched against (case-insensitive substring). */
function haystack(c: Stored): string {
  const parts = [c.name, c.first_name, c.last_name, c.email];
  for (const a of c.addresses ?? []) parts.push(a.city, a.province, a.country, a.zip);
  return parts.filter(Boolean).join('\n').toLowerCase();
}

/** `search.json?query=Bilbo country:"New Zealand" -state:disabled total_spent:>100` */
export function searchQuery(text: string): Parsed<Predicate[]> {
  const predicates: Predicate[] = [];
  const token = /(-?)([a-z_]+):("([^"]*)"|\S+)|"([^"]*)"|(\S+)/g;
  for (const match of text.matchAll(token)) {
    const [whole, negated, name, rawValue, quotedValue, quotedText, word] = match;
    if (name !== undefined && searchFilterNames.has(name)) {
      const value = quotedValue ?? rawValue;
      const filter = searchFilter(name, value);
      if (!filter) return bad('query', `${name}:${value} is not a valid search filter`);
      predicates.push(negated ? (c) => !filter(c) : filter);
      continue;
    }
    const needle = (quotedText ?? word ?? whole).toLowerCase();
    if (needle !== '') predicates.push((c) => haystack(c).includes(needle));
  }
  return { ok: true, value: predicates };
}
