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

/** A copy with strings trimmed and empty values dropped; `skip` names fields the caller handles itself. */
function cleanObject<T extends object>(input: T, skip?: ReadonlySet<string>): T {
  const out: Record<string, unknown> = {};
  for (const name in input) {
    const value: unknown = input[name];
    if (value === undefined || value === null || skip?.has(name)) continue;
    if (typeof value === 'string') {
      const text = clean(value);
      if (text !== undefined) out[name] = text;
    } else if (typeof value === 'number' && Number.isNaN(value)) {
      continue;
    } else {
      out[name] = value;
    }
  }
  return out as T;
}

const addressOwnFields: ReadonlySet<string> = new Set(['kind', 'isDefault', 'lines']);
const customerOwnFields: ReadonlySet<string> = new Set(['addresses', 'groups', 'custom', 'source']);

function normaliseAddress(draft: AddressDraft): Address {
  const lines = (draft.lines ?? []).map((line) => clean(line) ?? '');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
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
  const groups: string[] = [];
  for (const group of draft.groups ?? []) {
    const text = clean(group);
    if (text !== undefined && !groups.includes(text)) groups.push(text);
  }
  const custom: Record<string, string> = {};
  for (const [name, value] of Object.entries(draft.custom ?? {})) {
    const text = clean(value === undefined ? undefined : String(value));
    if (text !== undefined) custom[name] = text;
  }
  const addresses = settleDefaults((draft.addresses ?? []).map(normaliseAddress));
  const customer = { ...base, addresses, groups, custom } as Customer;
  if (draft.source) customer.source = draft.source;
  return customer;
}

/** Normalises and validates; throws a zod error naming the field when the record is not canonical. */
export function parseCustomer(draft: CustomerDraft): Customer {
  const customer = normaliseCustomer(draft);
  // Every record read passes here, so the common case is checked by hand (a fifth of a pull's CPU went
  // to zod here); anything the check does not vouch for goes to the schema, which decides and words the error.
  return inShapeOrder(customer) ?? CustomerSchema.parse(customer);
}

const customerText = new Set(['email', 'title', 'firstName', 'middleName', 'lastName', 'company', 'phone', 'mobile', 'altPhone', 'note', 'externalId', 'passwordHash', 'createdAt', 'updatedAt']);
const customerNumbers = new Set(['discountPercent', 'credit', 'totalSpent', 'ordersCount']);
const customerBooleans = new Set(['marketingOptIn', 'wholesale']);
const addressFieldNames = Object.keys(AddressSchema.shape);
const addressText = new Set(addressFieldNames.filter((name) => !['kind', 'isDefault', 'lines'].includes(name)));
const statuses: ReadonlySet<string> = new Set(customerStatuses);
const isText = (value: unknown) => typeof value === 'string';
const isNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value);

function addressInShapeOrder(value: unknown): Address | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const address = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(address)) if (!(name in AddressSchema.shape)) return undefined;
  for (const name of addressFieldNames) {
    if (!(name in address)) continue;
    const field = address[name];
    if (addressText.has(name) ? !(field === undefined || isText(field)) : false) return undefined;
    out[name] = field;
  }
  if (!addressKinds.includes(address.kind as AddressKind) || typeof address.isDefault !== 'boolean') return undefined;
  if (!Array.isArray(address.lines) || !address.lines.every(isText)) return undefined;
  return out as Address;
}

/**
 * The record as `CustomerSchema.parse` would return it (its keys in the
 * schema's order, so that JSONL output is the same byte for byte), or
 * undefined when the hand check cannot vouch for every field: then the
 * schema decides. Never more lenient than the schema. Exported so that a
 * test can show it vouches for every valid shape: a record it turns away
 * still comes out right, through the schema, but at zod's price.
 */
export function inShapeOrder(customer: Customer): Customer | undefined {
  const record = customer as Record<string, unknown>;
  for (const name of Object.keys(record)) if (!(name in CustomerSchema.shape)) return undefined;
  const out: Record<string, unknown> = {};
  for (const name of customerFieldNames) {
    if (!(name in record)) continue;
    const value = record[name];
    out[name] = value;
    if (value === undefined && name !== 'key' && name !== 'addresses' && name !== 'groups' && name !== 'custom') continue;
    if (customerText.has(name)) {
      if (!isText(value)) return undefined;
    } else if (customerNumbers.has(name)) {
      if (!isNumber(value)) return undefined;
    } else if (customerBooleans.has(name)) {
      if (typeof value !== 'boolean') return undefined;
    }
  }
  const c = customer;
  if (!isText(c.key) || c.key.length < 1) return undefined;
  if (c.dateOfBirth !== undefined && !(isText(c.dateOfBirth) && /^\d{4}-\d{2}-\d{2}$/.test(c.dateOfBirth) && isCalendarDate(c.dateOfBirth))) return undefined;
  if (c.gender !== undefined && c.gender !== 'm' && c.gender !== 'f' && c.gender !== 'u') return undefined;
  if (c.language !== undefined && !(isText(c.language) && /^[a-z]{2}$/.test(c.language))) return undefined;
  if (c.status !== undefined && !statuses.has(c.status)) return undefined;
  if (!Array.isArray(c.groups) || !c.groups.every(isText)) return undefined;
  if (typeof c.custom !== 'object' || c.custom === null || Array.isArray(c.custom) || !Object.values(c.custom).every(isText)) return undefined;
  if (c.source !== undefined) {
    const source = c.source as Record<string, unknown>;
    if (typeof source !== 'object' || source === null || Object.keys(source).length !== 3 || !isText(source.system) || !isText(source.profile) || !isText(source.id)) return undefined;
    out.source = { system: source.system, profile: source.profile, id: source.id };
  }
  if (!Array.isArray(c.addresses)) return undefined;
  const addresses: Address[] = [];
  for (const address of c.addresses) {
    const checked = addressInShapeOrder(address);
    if (!checked) return undefined;
    addresses.push(checked);
  }
  out.addresses = addresses;
  out.groups = [...c.groups];
  out.custom = { ...c.custom };
  return out as Customer;
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
