import { z } from 'zod';

/**
 * The canonical customer (SPEC section 3). Every dialect reads into and writes
 * from this record; JSONL output is exactly this object.
 */

const optionalText = z.string().optional();

/** True when a text starting `YYYY-MM-DD` names a real day (no 30 February). */
export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export const addressKinds = ['billing', 'shipping'] as const;
export type AddressKind = (typeof addressKinds)[number];

export const AddressSchema = z.object({
  kind: z.enum(addressKinds),
  isDefault: z.boolean(),
  name: optionalText,
  company: optionalText,
  firstName: optionalText,
  lastName: optionalText,
  phone: optionalText,
  externalId: optionalText,
  lines: z.array(z.string()),
  city: optionalText,
  region: optionalText,
  regionCode: optionalText,
  postcode: optionalText,
  country: optionalText,
  countryCode: optionalText,
});
export type Address = z.infer<typeof AddressSchema>;

export const customerStatuses = ['active', 'disabled', 'invited', 'declined', 'guest', 'suspended'] as const;
export type CustomerStatus = (typeof customerStatuses)[number];

export const SourceSchema = z.object({
  system: z.string(),
  profile: z.string(),
  id: z.string(),
});

export const CustomerSchema = z.object({
  key: z.string().min(1, 'key must not be empty'),
  email: optionalText,
  title: optionalText,
  firstName: optionalText,
  middleName: optionalText,
  lastName: optionalText,
  company: optionalText,
  phone: optionalText,
  mobile: optionalText,
  altPhone: optionalText,
  dateOfBirth: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'dateOfBirth must be YYYY-MM-DD')
    .refine(isCalendarDate, 'dateOfBirth is not a day of the calendar')
    .optional(),
  gender: z.enum(['m', 'f', 'u']).optional(),
  language: z
    .string()
    .regex(/^[a-z]{2}$/, 'language must be an ISO 639-1 code like "en"')
    .optional(),
  addresses: z.array(AddressSchema),
  groups: z.array(z.string()),
  marketingOptIn: z.boolean().optional(),
  status: z.enum(customerStatuses).optional(),
  discountPercent: z.number().optional(),
  wholesale: z.boolean().optional(),
  credit: z.number().optional(),
  totalSpent: z.number().optional(),
  ordersCount: z.number().optional(),
  note: optionalText,
  externalId: optionalText,
  passwordHash: optionalText,
  custom: z.record(z.string(), z.string()),
  createdAt: optionalText,
  updatedAt: optionalText,
  source: SourceSchema.optional(),
});
export type Customer = z.infer<typeof CustomerSchema>;

/** What a mapping may hand over before normalisation: lists and maps may be missing. */
export type AddressDraft = Omit<Address, 'lines' | 'isDefault'> & { lines?: string[]; isDefault?: boolean };
export type CustomerDraft = Omit<Customer, 'addresses' | 'groups' | 'custom'> & {
  addresses?: AddressDraft[];
  groups?: string[];
  custom?: Record<string, string | undefined>;
};

/** The fields of the customer (not of an address) in canonical order. */
export const customerFieldNames = Object.keys(CustomerSchema.shape) as Array<keyof Customer>;

function clean(value: string | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = String(value).trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * A draft's value as the record keeps it: a string trimmed, and undefined
 * for what it drops (absent, null, empty text, NaN).
 */
function kept(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const text = value.trim();
    return text === '' ? undefined : text;
  }
  return typeof value === 'number' && Number.isNaN(value) ? undefined : value;
}

/** A copy with strings trimmed and empty values dropped; `skip` names fields the caller handles itself. */
function cleanObject<T extends object>(input: T, skip?: ReadonlySet<string>): T {
  const out: Record<string, unknown> = {};
  for (const name in input) {
    if (skip?.has(name)) continue;
    const value = kept(input[name]);
    if (value !== undefined) out[name] = value;
  }
  return out as T;
}

const addressOwnFields: ReadonlySet<string> = new Set(['kind', 'isDefault', 'lines']);
const customerOwnFields: ReadonlySet<string> = new Set(['addresses', 'groups', 'custom', 'source']);

/** Lines trimmed, a missing one kept as an empty line between others, trailing empty ones dropped. */
function cleanLines(draft: readonly string[]): string[] {
  const lines = draft.map((line) => clean(line) ?? '');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Groups trimmed, each once, empty ones dropped. */
function cleanGroups(draft: Iterable<string>): string[] {
  const groups: string[] = [];
  for (const group of draft) {
    const text = clean(group);
    if (text !== undefined && !groups.includes(text)) groups.push(text);
  }
  return groups;
}

/** Custom values as trimmed strings, empty ones dropped. */
function cleanCustom(draft: Record<string, string | undefined>): Record<string, string> {
  const custom: Record<string, string> = {};
  for (const [name, value] of Object.entries(draft)) {
    const text = clean(value === undefined ? undefined : String(value));
    if (text !== undefined) custom[name] = text;
  }
  return custom;
}

function normaliseAddress(draft: AddressDraft): Address {
  const lines = cleanLines(draft.lines ?? []);
  const address = cleanObject(draft, addressOwnFields) as Address;
  address.kind = draft.kind;
  address.isDefault = draft.isDefault === true;
  address.lines = lines;
  return address;
}

/** Exactly one default per kind when any address of that kind exists: the first flagged one wins, else the first. */
function settleDefaults(addresses: Address[]): Address[] {
  for (const kind of addressKinds) {
    const ofKind = addresses.filter((a) => a.kind === kind);
    if (ofKind.length === 0) continue;
    const chosen = ofKind.find((a) => a.isDefault) ?? ofKind[0];
    for (const address of ofKind) address.isDefault = address === chosen;
  }
  return addresses;
}

/**
 * Brings a draft into canonical shape: trimmed strings, empty → absent, one
 * default address per kind, unique trimmed groups, custom values as strings.
 * The email keeps its original case; use {@link emailKey} to match.
 */
export function normaliseCustomer(draft: CustomerDraft): Customer {
  const base = cleanObject(draft, customerOwnFields);
  const groups = cleanGroups(draft.groups ?? []);
  const custom = cleanCustom(draft.custom ?? {});
  const addresses = settleDefaults((draft.addresses ?? []).map(normaliseAddress));
  const customer = { ...base, addresses, groups, custom } as Customer;
  if (draft.source) customer.source = draft.source;
  return customer;
}

/** Normalises and validates; throws a zod error naming the field when the record is not canonical. */
export function parseCustomer(draft: CustomerDraft): Customer {
  // Every record read passes here, so the common case is built and checked by hand in one pass (a fifth
  // of a pull's CPU went to zod here, and an eighth to normalising and then copying into the schema's
  // order); anything the hand check does not vouch for goes to the schema, which decides and words the error.
  return canonicalInOnePass(draft) ?? CustomerSchema.parse(normaliseCustomer(draft));
}

const customerText: ReadonlySet<string> = new Set(['email', 'title', 'firstName', 'middleName', 'lastName', 'company', 'phone', 'mobile', 'altPhone', 'note', 'externalId', 'passwordHash', 'createdAt', 'updatedAt']);
const customerNumbers: ReadonlySet<string> = new Set(['discountPercent', 'credit', 'totalSpent', 'ordersCount']);
const customerBooleans: ReadonlySet<string> = new Set(['marketingOptIn', 'wholesale']);
const addressFieldNames = Object.keys(AddressSchema.shape);
const statuses: ReadonlySet<string> = new Set(customerStatuses);
const kinds: ReadonlySet<unknown> = new Set(addressKinds);
const isText = (value: unknown): value is string => typeof value === 'string';
const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** True when the schema takes this kept value of a scalar customer field as it is. */
function scalarVouched(name: string, value: unknown): boolean {
  if (customerText.has(name)) return isText(value);
  if (customerNumbers.has(name)) return typeof value === 'number' && Number.isFinite(value);
  if (customerBooleans.has(name)) return typeof value === 'boolean';
  switch (name) {
    case 'key':
      return isText(value);
    case 'dateOfBirth':
      return isText(value) && /^\d{4}-\d{2}-\d{2}$/.test(value) && isCalendarDate(value);
    case 'gender':
      return value === 'm' || value === 'f' || value === 'u';
    case 'language':
      return isText(value) && /^[a-z]{2}$/.test(value);
    case 'status':
      return isText(value) && statuses.has(value);
    default:
      return false;
  }
}

function addressInOnePass(draft: unknown): Address | undefined {
  if (!isPlainObject(draft) || !kinds.has(draft.kind)) return undefined;
  if (draft.lines !== undefined && draft.lines !== null && !Array.isArray(draft.lines)) return undefined;
  const out: Record<string, unknown> = {};
  for (const name of addressFieldNames) {
    if (name === 'kind') out.kind = draft.kind;
    else if (name === 'isDefault') out.isDefault = draft.isDefault === true;
    else if (name === 'lines') out.lines = cleanLines((draft.lines as string[] | undefined) ?? []);
    else {
      const value = kept(draft[name]);
      if (value === undefined) continue;
      if (!isText(value)) return undefined;
      out[name] = value;
    }
  }
  return out as Address;
}

/**
 * What `CustomerSchema.parse(normaliseCustomer(draft))` returns, built in
 * one pass in the schema's key order (so that JSONL output is the same byte
 * for byte), or undefined when the hand check cannot vouch for every field:
 * then the schema decides. Never more lenient than the schema; keys the
 * schema does not know are left out, as the schema strips them. Exported so
 * that a test can show it vouches for every valid shape: a record it turns
 * away still comes out right, through the schema, but at zod's price.
 */
export function canonicalInOnePass(draft: CustomerDraft): Customer | undefined {
  const input = draft as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const name of customerFieldNames) {
    const value = input[name];
    if (name === 'addresses') {
      if (value !== undefined && value !== null && !Array.isArray(value)) return undefined;
      const addresses: Address[] = [];
      for (const address of (value as unknown[] | undefined) ?? []) {
        const shaped = addressInOnePass(address);
        if (!shaped) return undefined;
        addresses.push(shaped);
      }
      out.addresses = settleDefaults(addresses);
    } else if (name === 'groups') {
      if (value !== undefined && value !== null && !Array.isArray(value)) return undefined;
      out.groups = cleanGroups((value as string[] | undefined) ?? []);
    } else if (name === 'custom') {
      if (value !== undefined && value !== null && !isPlainObject(value)) return undefined;
      out.custom = cleanCustom((value as Record<string, string> | undefined) ?? {});
    } else if (name === 'source') {
      // As normaliseCustomer: a falsy source is none; the schema keeps its three fields only.
      if (!value) continue;
      if (!isPlainObject(value) || !isText(value.system) || !isText(value.profile) || !isText(value.id)) return undefined;
      out.source = { system: value.system, profile: value.profile, id: value.id };
    } else {
      const scalar = kept(value);
      if (scalar === undefined) continue;
      if (!scalarVouched(name, scalar)) return undefined;
      out[name] = scalar;
    }
  }
  return out.key === undefined ? undefined : (out as Customer);
}

/** The matching form of an email: trimmed and lower-cased. The record keeps the original. */
export function emailKey(email: string | undefined): string | undefined {
  const text = clean(email);
  return text === undefined ? undefined : text.toLowerCase();
}

/** The default address of a kind, if any. */
export function defaultAddress(customer: Customer, kind: AddressKind): Address | undefined {
  return customer.addresses.find((a) => a.kind === kind && a.isDefault);
}
