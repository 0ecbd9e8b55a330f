import { parseCustomer, type Address, type AddressDraft, type AddressKind, type Customer } from '../../core/customer.js';
import { answerAddress, answerCustomer, storeInput, type StoredAddress } from './answer.js';
import { isoInstant, parseDateOfBirth } from './dates.js';
import type { AddressType, SourceEntry, WireAddress, WireAddressInput, WireCustomer, WireCustomerInput, WireParent } from './schema.js';

export { parseDateOfBirth } from './dates.js';

/**
 * Propeller customer ⇄ canonical record (SPEC section 4 `propeller`), pure.
 *
 * - The key is the `sourceId` of the `sources` entry whose `source` is the
 *   profile's `source`, else the numeric `id` as a string; `id` is
 *   `source.id`. The matched source is kept in `custom.source`; the entries
 *   of a customer that has none under the profile's source in
 *   `custom.sources` (JSON), so nothing read is lost. Writing sends
 *   `sourceId` = key and `source` = the profile's source.
 * - `debtorId` ⇄ `externalId`; `primaryLanguage` ⇄ `language` and `gender`
 *   are read in either case and written upper case, as answers show them;
 *   `dateOfBirth` is read from the answered form and the other forms a
 *   server is known to send, written `YYYY-MM-DD`.
 * - `abbreviation`, `pricelistAmount`, `pricelistPercentage` and `parent` (as
 *   JSON) are written from `custom`; answers carry `abbreviation` and `login`
 *   (read into `custom`), `mobile` and `fax` (`custom.fax`).
 * - `ssn` is personal data: it is read (into `custom.ssn`) only when
 *   {@link ReadOptions.includeSsn} says so, which no command does yet; it is
 *   written only from `custom.ssn`, i.e. when a mapping put it there.
 * - Addresses: `invoice` is billing, `delivery` shipping; `isDefault` "Y"/"N";
 *   `street` is one line (the canonical lines joined with ", "; `number` and
 *   extension appended when read); `country` (alpha-2) is `countryCode`;
 *   each is written inline with the stable code `KIND-N`. Propeller requires
 *   `street`, `city` and `country` of an address: a record with an address
 *   lacking one is refused before it is sent.
 */

/** Written from `custom` under their Propeller names (and read back when answered). */
const customFields = ['abbreviation', 'pricelistAmount', 'pricelistPercentage'] as const;

export interface ReadOptions {
  profileName: string;
  /** The profile's `source`: its entry in `sources` gives the key. */
  source?: string;
  /** Read `ssn` into `custom.ssn`. Off unless a mapping asks for it. */
  includeSsn?: boolean;
}

const kindOfType: Record<AddressType, AddressKind> = { invoice: 'billing', delivery: 'shipping' };
export const typeOfKind: Record<AddressKind, AddressType> = { billing: 'invoice', shipping: 'delivery' };

function str(value: string | number | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = String(value).trim();
  return text === '' ? undefined : text;
}

export function fromWireAddress(wire: WireAddress): AddressDraft | undefined {
  const kind = kindOfType[(wire.type ?? '').toLowerCase() as AddressType];
  if (!kind) return undefined;
  // One line: newlines typed into the backoffice read as the separator custsync writes.
  let line = (wire.street ?? '').split(/\s*\n\s*/).filter((part) => part.trim() !== '').join(', ');
  const number = str(wire.number);
  const extension = str(wire.numberExtension);
  if (number) {
    const numberPart = extension ? (extension.length === 1 ? `${number}${extension}` : `${number} ${extension}`) : number;
    line = [str(line), numberPart].filter(Boolean).join(' ');
  }
  const isDefault = typeof wire.isDefault === 'boolean' ? wire.isDefault : str(wire.isDefault)?.toUpperCase() === 'Y';
  return {
    kind,
    isDefault,
    firstName: str(wire.firstName),
    lastName: str(wire.lastName),
    company: str(wire.company),
    phone: str(wire.phone),
    externalId: str(wire.id),
    lines: [line],
    city: str(wire.city),
    region: str(wire.region),
    postcode: str(wire.postalCode),
    countryCode: str(wire.country)?.toUpperCase(),
  };
}

/** The customer's source entries: `sources`, plus flat `source`/`sourceId` should a server send them. */
function sourceEntries(wire: Partial<WireCustomer>): Array<{ source: string; sourceId: string }> {
  const entries: SourceEntry[] = [...(wire.sources ?? [])];
  if (str(wire.sourceId)) entries.push({ source: wire.source, sourceId: wire.sourceId });
  const out: Array<{ source: string; sourceId: string }> = [];
  for (const entry of entries) {
    const sourceId = str(entry.sourceId);
    if (sourceId === undefined) continue;
    const source = str(entry.source) ?? '';
    if (!out.some((e) => e.source === source && e.sourceId === sourceId)) out.push({ source, sourceId });
  }
  return out;
}

/** A Propeller customer (as answered) and its addresses as a canonical record. */
export function toCanonical(wire: Partial<WireCustomer>, addresses: WireAddress[], options: ReadOptions): Customer {
  const custom: Record<string, string | undefined> = {};
  const entries = sourceEntries(wire);
  const own = options.source === undefined ? undefined : entries.find((e) => e.source === options.source);
  if (own) custom.source = own.source || undefined;
  else if (entries.length > 0) custom.sources = JSON.stringify(entries);
  custom.abbreviation = str(wire.abbreviation);
  custom.login = str(wire.login);
  custom.pricelistAmount = str(wire.pricelistAmount);
  custom.pricelistPercentage = str(wire.pricelistPercentage);
  custom.fax = str(wire.fax);
  if (wire.parent && typeof wire.parent === 'object') custom.parent = JSON.stringify(wire.parent);
  if (options.includeSsn) custom.ssn = str(wire.ssn);
  const dateOfBirth = parseDateOfBirth(wire.dateOfBirth);
  if (!dateOfBirth && str(wire.dateOfBirth)) custom.dateOfBirth = str(wire.dateOfBirth);
  const language = str(wire.primaryLanguage)?.toLowerCase();
  if (language && !/^[a-z]{2}$/.test(language)) custom.primaryLanguage = str(wire.primaryLanguage);
  const gender = str(wire.gender)?.toLowerCase();
  const id = wire.id === undefined ? undefined : String(wire.id);
  return parseCustomer({
    key: own?.sourceId ?? id ?? '',
    email: str(wire.email),
    title: str(wire.title),
    firstName: str(wire.firstName),
    middleName: str(wire.middleName),
    lastName: str(wire.lastName),
    phone: str(wire.phone),
    mobile: str(wire.mobile),
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

/** A record that cannot be written as it is; the message says which field. */
export class MappingError extends Error {}

function parentOf(text: string): WireParent {
  let parent: unknown;
  try {
    parent = JSON.parse(text);
  } catch {
    throw new MappingError(`custom.parent is not JSON: it must look like {"id":12} or {"sourceId":"G1","source":"ERP"}`);
  }
  if (!parent || typeof parent !== 'object' || Array.isArray(parent)) throw new MappingError('custom.parent must be a JSON object with id, or sourceId and source');
  return parent as WireParent;
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The bulk payload of a record, its addresses inline; `source` is the
 * profile's. Only the keys the bulk endpoint publishes are sent.
 */
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
    gender: record.gender?.toUpperCase(),
    phone: record.phone ?? record.mobile,
    email: record.email,
    primaryLanguage: record.language?.toUpperCase() ?? record.custom.primaryLanguage,
  };
  for (const field of customFields) out[field] = record.custom[field];
  if (record.custom.parent !== undefined) out.parent = parentOf(record.custom.parent);
  if (record.custom.ssn !== undefined) out.ssn = record.custom.ssn;
  const addresses = toWireAddresses(record);
  if (addresses.length > 0) out.addresses = addresses;
  return defined(out);
}

/**
 * The record's addresses with stable codes (`billing-1`, `shipping-2`…), so a
 * re-run updates them. Propeller requires street, city and country (alpha-2).
 */
export function toWireAddresses(record: Customer): WireAddressInput[] {
  const seen: Record<AddressKind, number> = { billing: 0, shipping: 0 };
  return record.addresses.map((address: Address) => {
    seen[address.kind] += 1;
    const code = `${address.kind}-${seen[address.kind]}`;
    const country = address.countryCode?.trim().toUpperCase();
    const street = address.lines.map((l) => l.trim()).filter((l) => l !== '').join(', ');
    const missing = [street ? undefined : 'street', address.city?.trim() ? undefined : 'city', country && /^[A-Z]{2}$/.test(country) ? undefined : 'country code (ISO alpha-2)'].filter(Boolean);
    if (missing.length > 0) {
      throw new MappingError(`${address.kind} address ${seen[address.kind]} has no ${missing.join(', ')}: Propeller requires street, city and country of every address`);
    }
    return defined<WireAddressInput>({
      code,
      type: typeOfKind[address.kind],
      isDefault: address.isDefault ? 'Y' : 'N',
      firstName: address.firstName,
      lastName: address.lastName,
      company: address.company,
      street,
      postalCode: address.postcode,
      city: address.city!,
      region: address.region ?? address.regionCode,
      country: country!,
      phone: address.phone,
    });
  });
}

/**
 * The record as Propeller would hold it: written, stored and answered (no
 * ids, no server dates). Throws {@link MappingError} for a record that
 * cannot be written.
 */
export function project(record: Customer, source: string, profileName: string): Customer {
  const input = toWireCustomer(record, source);
  const stored = storeInput({ id: 0, sources: [], dateCreated: new Date(0).toISOString(), dateModified: new Date(0).toISOString() }, input as unknown as Record<string, unknown>);
  const { id: _id, dateCreated: _created, dateModified: _modified, debtorId, ...answered } = answerCustomer(stored, true);
  const addresses = (input.addresses ?? []).map((a) => {
    const { id: _addressId, ...rest } = answerAddress({ ...a, id: 0 } as StoredAddress);
    return rest as WireAddress;
  });
  const back = toCanonical({ ...answered, debtorId: debtorId as string } as Partial<WireCustomer>, addresses, { profileName, source });
  // Written but never answered: kept as sent, so that a change of them is still a change to send.
  const writeOnly = {
    pricelistAmount: input.pricelistAmount,
    pricelistPercentage: input.pricelistPercentage,
    parent: input.parent === undefined ? undefined : JSON.stringify(input.parent),
    ssn: input.ssn,
  };
  return parseCustomer({ ...back, custom: { ...back.custom, ...writeOnly }, source: record.source });
}

/**
 * {@link project} for a record that may not be writable as it is (`diff`
 * projects every source record): what Propeller could hold of it, without
 * the addresses it would refuse and a `custom.parent` that is not JSON. A
 * write still rejects such a record.
 */
export function projectHeld(record: Customer, source: string, profileName: string): Customer {
  try {
    return project(record, source, profileName);
  } catch (error) {
    if (!(error instanceof MappingError)) throw error;
  }
  const addresses = record.addresses.filter((address) => {
    try {
      toWireAddresses({ ...record, addresses: [address] });
      return true;
    } catch {
      return false;
    }
  });
  const custom = { ...record.custom };
  try {
    if (custom.parent !== undefined) parentOf(custom.parent);
  } catch {
    delete custom.parent;
  }
  return project({ ...record, addresses, custom }, source, profileName);
}
