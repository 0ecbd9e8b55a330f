import { parseCustomer, type Address, type AddressDraft, type AddressKind, type Customer } from '../../core/customer.js';
import type { AddressType, WireAddress, WireAddressInput, WireCustomer, WireCustomerInput } from './schema.js';

/**
 * Propeller customer ⇄ canonical record (SPEC section 4 `propeller`), pure.
 *
 * - `sourceId` is `key` when set, else the numeric `id` as a string; `id` is
 *   `source.id`; the record's own `source` is kept in `custom.source`, and
 *   writing sends `sourceId` = key and `source` = the profile's source.
 * - `debtorId` ⇄ `externalId`; `primaryLanguage` ⇄ `language` (read
 *   lower-case, written upper-case as Propeller shows it);
 *   `dateOfBirth` is read from the formats the platform is known to answer.
 * - `abbreviation`, `login`, `pricelistAmount`, `pricelistPercentage` and
 *   `parent` (as JSON) live in `custom` under their own names.
 * - `ssn` is personal data: it is read (into `custom.ssn`) only when
 *   {@link ReadOptions.includeSsn} says so, which no command does yet; it is
 *   written only from `custom.ssn`, i.e. when a mapping put it there.
 * - Addresses: `invoice` is billing, `delivery` shipping; `isDefault` "Y"/"N";
 *   the street lines are `street` joined with newlines (number and extension
 *   are appended to the first line when read); `country` (alpha-2) is
 *   `countryCode`; each is written with the stable code `KIND-N`.
 */

/** Fields kept in `custom` under their Propeller names. */
const customFields = ['abbreviation', 'login', 'pricelistAmount', 'pricelistPercentage'] as const;

export interface ReadOptions {
  profileName: string;
  /** Read `ssn` into `custom.ssn`. Off unless a mapping asks for it. */
  includeSsn?: boolean;
}

const kindOfType: Record<AddressType, AddressKind> = { invoice: 'billing', delivery: 'shipping' };
export const typeOfKind: Record<AddressKind, AddressType> = { billing: 'invoice', shipping: 'delivery' };

function validDate(y: number, m: number, d: number): string | undefined {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * A date of birth as `YYYY-MM-DD`, from `YYYY-MM-DD`, a full ISO datetime
 * (its date part as written: a birthday has no zone), `YYYY/MM/DD`,
 * `DD-MM-YYYY`, `DD/MM/YYYY` or `DD.MM.YYYY`; undefined when it is none of these
 * or not a calendar date.
 */
export function parseDateOfBirth(raw: string | null | undefined): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  let match = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(value);
  if (match) return validDate(Number(match[1]), Number(match[2]), Number(match[3]));
  match = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(value);
  if (match) return validDate(Number(match[3]), Number(match[2]), Number(match[1]));
  return undefined;
}

function str(value: string | number | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = String(value).trim();
  return text === '' ? undefined : text;
}

export function fromWireAddress(wire: WireAddress): AddressDraft | undefined {
  const kind = kindOfType[wire.type.toLowerCase() as AddressType];
  if (!kind) return undefined;
  const lines = (wire.street ?? '').split('\n');
  const number = str(wire.number);
  const extension = str(wire.numberExtension);
  if (number) {
    const numberPart = extension ? (extension.length === 1 ? `${number}${extension}` : `${number} ${extension}`) : number;
    lines[0] = [str(lines[0]), numberPart].filter(Boolean).join(' ');
  }
  return {
    kind,
    isDefault: wire.isDefault === 'Y' || wire.isDefault === true,
    firstName: str(wire.firstName),
    lastName: str(wire.lastName),
    company: str(wire.company),
    phone: str(wire.phone),
    externalId: str(wire.id),
    lines,
    city: str(wire.city),
    region: str(wire.region),
    postcode: str(wire.postalCode),
    countryCode: str(wire.country)?.toUpperCase(),
  };
}

/** A Propeller customer and its addresses as a canonical record. */
export function toCanonical(wire: Partial<WireCustomer>, addresses: WireAddress[], options: ReadOptions): Customer {
  const custom: Record<string, string | undefined> = {};
  for (const field of customFields) custom[field] = str(wire[field]);
  custom.source = str(wire.source);
  if (wire.parent) custom.parent = JSON.stringify(wire.parent);
  if (options.includeSsn) custom.ssn = str(wire.ssn);
  const dateOfBirth = parseDateOfBirth(wire.dateOfBirth);
  if (!dateOfBirth && str(wire.dateOfBirth)) custom.dateOfBirth = str(wire.dateOfBirth);
  const language = str(wire.primaryLanguage)?.toLowerCase();
  if (language && !/^[a-z]{2}$/.test(language)) custom.primaryLanguage = str(wire.primaryLanguage);
  const gender = str(wire.gender)?.toLowerCase();
  const id = wire.id === undefined ? undefined : String(wire.id);
  return parseCustomer({
    key: str(wire.sourceId) ?? id ?? '',
    email: str(wire.email),
    title: str(wire.title),
    firstName: str(wire.firstName),
    middleName: str(wire.middleName),
    lastName: str(wire.lastName),
    phone: str(wire.phone),
    dateOfBirth,
    gender: gender === 'm' || gender === 'f' || gender === 'u' ? gender : undefined,
    language: language && /^[a-z]{2}$/.test(language) ? language : undefined,
    externalId: str(wire.debtorId),
    addresses: addresses.map(fromWireAddress).filter((a): a is AddressDraft => a !== undefined),
    groups: [],
    custom,
    createdAt: isoInstant(wire.dateCreated),
    updatedAt: isoInstant(wire.dateModified),
    source: id === undefined ? undefined : { system: 'propeller', profile: options.profileName, id },
  });
}

/** Propeller answers instants with an offset; one without is UTC. */
function isoInstant(value: string | null | undefined): string | undefined {
  const text = str(value);
  if (!text) return undefined;
  const withZone = /[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text.replace(' ', 'T')}Z`;
  const date = new Date(withZone);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

/** A record that cannot be written as it is; the message says which field. */
export class MappingError extends Error {}

/** The bulk/create payload of a record; `source` is the profile's. */
export function toWireCustomer(record: Customer, source: string): WireCustomerInput {
  const out: WireCustomerInput = {
    source,
    sourceId: record.key,
    debtorId: record.externalId,
    firstName: record.firstName,
    middleName: record.middleName,
    lastName: record.lastName,
    title: record.title,
    dateOfBirth: record.dateOfBirth,
    gender: record.gender,
    phone: record.phone ?? record.mobile,
    email: record.email,
    primaryLanguage: record.language?.toUpperCase() ?? record.custom.primaryLanguage,
  };
  for (const field of customFields) out[field] = record.custom[field];
  if (record.custom.parent !== undefined) {
    let parent: unknown;
    try {
      parent = JSON.parse(record.custom.parent);
    } catch {
      throw new MappingError(`custom.parent is not JSON: it must look like {"id":12} or {"sourceId":"G1","source":"ERP"}`);
    }
    if (!parent || typeof parent !== 'object' || Array.isArray(parent)) throw new MappingError('custom.parent must be a JSON object with id, or sourceId and source');
    out.parent = parent as WireCustomerInput['parent'];
  }
  if (record.custom.ssn !== undefined) out.ssn = record.custom.ssn;
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as WireCustomerInput;
}

/** The record's addresses with stable codes (`billing-1`, `shipping-2`…), so a re-run updates them. */
export function toWireAddresses(record: Customer): WireAddressInput[] {
  const seen: Record<AddressKind, number> = { billing: 0, shipping: 0 };
  return record.addresses.map((address: Address) => {
    seen[address.kind] += 1;
    const country = address.countryCode?.toUpperCase();
    const out: WireAddressInput = {
      code: `${address.kind}-${seen[address.kind]}`,
      type: typeOfKind[address.kind],
      isDefault: address.isDefault ? 'Y' : 'N',
      firstName: address.firstName,
      lastName: address.lastName,
      company: address.company,
      street: address.lines.length > 0 ? address.lines.join('\n') : undefined,
      postalCode: address.postcode,
      city: address.city,
      region: address.region ?? address.regionCode,
      country: country && /^[A-Z]{2}$/.test(country) ? country : undefined,
      phone: address.phone,
    };
    return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as unknown as WireAddressInput;
  });
}

/** The record as Propeller would store it: written and read back (no ids, no server dates). */
export function project(record: Customer, source: string, profileName: string): Customer {
  const wire = toWireCustomer(record, source);
  const addresses = toWireAddresses(record).map((a) => ({ ...a }));
  const back = toCanonical(
    { ...wire, debtorId: wire.debtorId, ssn: wire.ssn, parent: wire.parent } as Partial<WireCustomer>,
    addresses,
    { profileName, includeSsn: record.custom.ssn !== undefined },
  );
  return { ...back, source: record.source };
}
