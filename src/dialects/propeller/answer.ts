import { parseDateOfBirth } from './dates.js';

/**
 * How Propeller stores what it is sent and how it answers it (SPEC section 8
 * `propeller`), as pure functions. The emulator renders its answers with
 * these, and the dialect's projection (`project`) reads a record back
 * through them, so that `diff` and the unchanged check compare with what a
 * read would really return.
 *
 * Answers carry a fixed set of customer fields, "" for every absent one,
 * `gender` and `primaryLanguage` upper case, `dateOfBirth` as
 * `August, 28 1993 00:00:00 +0000`, local times without offset (the tenant's
 * zone, UTC here), and `sources` only when asked for (`expands=sources`).
 * `ssn`, `parent` and the price lists are written but never answered.
 */

export interface StoredSource {
  source: string;
  sourceId: string;
}

/** A customer as the platform holds it. */
export interface StoredCustomer {
  id: number;
  debtorId?: string | number;
  firstName?: string;
  middleName?: string;
  lastName?: string;
  abbreviation?: string;
  title?: string;
  login?: string;
  email?: string;
  phone?: string;
  mobile?: string;
  fax?: string;
  /** Lower case m/f/u. */
  gender?: string;
  /** Upper case, e.g. `EN`. */
  primaryLanguage?: string;
  /** `YYYY-MM-DD`. */
  dateOfBirth?: string;
  ssn?: string | number;
  parent?: unknown;
  pricelistAmount?: string;
  pricelistPercentage?: string;
  sources: StoredSource[];
  /** ISO instants. */
  dateCreated: string;
  dateModified: string;
}

export interface StoredAddress {
  id: number;
  code?: string;
  type: string;
  isDefault: 'Y' | 'N';
  [field: string]: unknown;
}

const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `1993-08-28` → `August, 28 1993 00:00:00 +0000`, the form answers use. */
export function answeredBirthDate(isoDate: string): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  return `${months[m - 1]}, ${String(d).padStart(2, '0')} ${String(y).padStart(4, '0')} 00:00:00 +0000`;
}

/** An instant as the tenant's local time without offset (`2020-12-12T08:30:00`); the tenant's zone is taken as UTC. */
export function localTime(instant: string | number | Date): string {
  return new Date(instant).toISOString().slice(0, 19);
}

/** The fields an answer carries, in its order; "" stands for an absent value. */
const answeredText = ['firstName', 'middleName', 'lastName', 'abbreviation', 'title', 'name', 'login', 'email', 'phone', 'mobile', 'fax'] as const;

/** A stored customer as a search or lookup answers it. */
export function answerCustomer(stored: StoredCustomer, expandSources: boolean): Record<string, unknown> {
  const name = [stored.firstName, stored.middleName, stored.lastName].filter((p) => p && p.trim() !== '').join(' ');
  const values: Record<string, string | undefined> = { ...(stored as unknown as Record<string, string | undefined>), name };
  const out: Record<string, unknown> = { id: stored.id, debtorId: stored.debtorId === undefined ? '' : String(stored.debtorId) };
  for (const field of answeredText) out[field] = values[field] ?? '';
  out.gender = stored.gender ? stored.gender.toUpperCase() : '';
  out.primaryLanguage = stored.primaryLanguage ? stored.primaryLanguage.toUpperCase() : '';
  out.dateOfBirth = stored.dateOfBirth ? answeredBirthDate(stored.dateOfBirth) : '';
  out.dateCreated = localTime(stored.dateCreated);
  out.dateModified = localTime(stored.dateModified);
  if (expandSources) out.sources = stored.sources.map((s) => ({ source: s.source, sourceId: s.sourceId }));
  return out;
}

const answeredAddressText = [
  'code', 'type', 'isDefault', 'firstName', 'middleName', 'lastName', 'gender', 'company', 'street', 'number', 'numberExtension',
  'postalCode', 'city', 'region', 'country', 'icp', 'phone', 'mobile', 'email', 'url', 'notes',
] as const;

/** A stored address as the addresses endpoint answers it. */
export function answerAddress(stored: StoredAddress): Record<string, unknown> {
  const out: Record<string, unknown> = { id: stored.id };
  for (const field of answeredAddressText) {
    const value = stored[field];
    out[field] = value === undefined || value === null ? '' : value;
  }
  return out;
}

/** Fields of a write that are not stored as customer fields (or not as they are). */
const notStoredAsIs = new Set(['source', 'sourceId', 'addresses', 'attributes', 'pricing', 'gender', 'primaryLanguage', 'dateOfBirth']);

/**
 * Applies a written customer (a bulk item, a create, a patch; already
 * validated) to what the platform holds: `source` + `sourceId` become (or
 * replace) the entry of that source in `sources`; gender, language and date
 * of birth are held in one form whatever case or format was sent.
 */
export function storeInput(stored: StoredCustomer, input: Record<string, unknown>): StoredCustomer {
  const record = stored as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined || value === null || notStoredAsIs.has(name)) continue;
    record[name] = value;
  }
  if (typeof input.gender === 'string') stored.gender = input.gender.toLowerCase();
  if (typeof input.primaryLanguage === 'string') stored.primaryLanguage = input.primaryLanguage.toUpperCase();
  if (typeof input.dateOfBirth === 'string') stored.dateOfBirth = parseDateOfBirth(input.dateOfBirth);
  if (typeof input.sourceId === 'string' && typeof input.source === 'string') {
    const entry = { source: input.source, sourceId: input.sourceId };
    const at = stored.sources.findIndex((s) => s.source === input.source);
    if (at >= 0) stored.sources[at] = entry;
    else stored.sources.push(entry);
  }
  return stored;
}
