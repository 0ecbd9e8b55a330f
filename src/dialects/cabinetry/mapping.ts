import { isEmailAddress } from '../../core/email.js';
import { defaultAddress, parseCustomer, type Address, type AddressDraft, type Customer } from '../../core/customer.js';
import type { WireAddress, WireCustomer, WireDeliveryAddress, WirePayload, WirePayloadAddress, WirePayloadDeliveryAddress } from './schema.js';

/**
 * Cabinetry.Online customer ⇄ canonical customer (SPEC section 4 `cabinetry`).
 * Pure: no I/O. The choices the document leaves open are written in
 * docs/dialects/cabinetry.md:
 * - `name` is the business name: read into `company`; written from
 *   `company`, else the person's full name.
 * - `price_adjustment` is the percentage prices move by, so a discount is
 *   negative: `discountPercent = -price_adjustment`.
 * - `contact_address` is the default billing address, `delivery_address[]`
 *   the shipping addresses (the default one first).
 * - `cc_email`, the minimum amounts, `default_depot_id` and the settings other
 *   than `is_suspended` are kept in `custom` so that a round trip keeps them.
 */

export const dialectId = 'cabinetry';

/** `custom` keys that hold documented fields with no canonical home. */
export const customKeys = {
  ccEmail: 'cc_email',
  minimumCharge: 'minimum_charge_amount',
  minimumFreight: 'minimum_freight_amount',
  defaultDepot: 'default_depot_id',
} as const;
/** Settings other than `is_suspended` are kept as `custom["settings.NAME"]`. */
export const settingsPrefix = 'settings.';

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = String(value).trim();
  return s === '' ? undefined : s;
}

function numberOf(value: unknown): number | undefined {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** Negation that never produces -0 (so 0 stays 0 in JSON and comparisons). */
export function negate(n: number): number {
  return n === 0 ? 0 : -n;
}

function addressFromWire(wire: WireAddress | null | undefined): Omit<AddressDraft, 'kind'> | undefined {
  if (!wire) return undefined;
  const draft = {
    lines: (wire.street ?? []).map((line) => line ?? ''),
    city: text(wire.suburb),
    region: text(wire.state),
    regionCode: text(wire.state_code),
    postcode: text(wire.postcode),
    country: text(wire.country),
    countryCode: text(wire.country_code),
  };
  const empty = draft.lines.every((l) => l.trim() === '') && Object.entries(draft).every(([k, v]) => k === 'lines' || v === undefined);
  return empty ? undefined : draft;
}

/** A wire customer as a canonical record; `profileName` goes into `source`. */
export function fromWire(wire: WireCustomer, profileName: string): Customer {
  const id = String(wire.id);
  const addresses: AddressDraft[] = [];
  const contact = addressFromWire(wire.contact_address);
  if (contact) addresses.push({ ...contact, kind: 'billing', isDefault: true });
  for (const delivery of wire.delivery_address ?? []) {
    const address = addressFromWire(delivery as WireDeliveryAddress);
    const name = text(delivery.name);
    const externalId = text(delivery.external_id);
    if (!address && !name && !externalId) continue;
    addresses.push({ lines: [], ...address, name, externalId, kind: 'shipping', isDefault: delivery.default === true || delivery.default === 1 });
  }
  const custom: Record<string, string | undefined> = {
    [customKeys.ccEmail]: text(wire.cc_email),
    [customKeys.minimumCharge]: text(numberOf(wire.minimum_charge_amount)),
    [customKeys.minimumFreight]: text(numberOf(wire.minimum_freight_amount)),
    [customKeys.defaultDepot]: text(wire.default_depot_id),
  };
  const settings = wire.settings ?? {};
  for (const [name, value] of Object.entries(settings)) {
    if (name === 'is_suspended' || value === null || value === undefined) continue;
    custom[`${settingsPrefix}${name}`] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  const suspended = settings.is_suspended === true || settings.is_suspended === 1 || settings.is_suspended === '1';
  const adjustment = numberOf(wire.price_adjustment);
  return parseCustomer({
    key: id,
    email: text(wire.email),
    company: text(wire.name),
    phone: text(wire.phone),
    mobile: text(wire.mobile),
    addresses,
    groups: wire.customer_labels ?? [],
    status: suspended ? 'suspended' : 'active',
    discountPercent: adjustment === undefined ? undefined : negate(adjustment),
    externalId: text(wire.external_id),
    custom,
    source: { system: dialectId, profile: profileName, id },
  });
}

function addressToWire(address: Address): WirePayloadAddress {
  const wire: WirePayloadAddress = { street: [...address.lines] };
  if (address.city) wire.suburb = address.city;
  if (address.region) wire.state = address.region;
  if (address.regionCode) wire.state_code = address.regionCode;
  if (address.postcode) wire.postcode = address.postcode;
  if (address.country) wire.country = address.country;
  if (address.countryCode) wire.country_code = address.countryCode;
  return wire;
}

function deliveryToWire(address: Address, isDefault: boolean, withExternalId = true): WirePayloadDeliveryAddress {
  const wire: WirePayloadDeliveryAddress = { ...addressToWire(address), default: isDefault };
  if (address.name) wire.name = address.name;
  if (withExternalId && address.externalId) wire.external_id = address.externalId;
  return wire;
}

/** The name Cabinetry shows: the company, else the person's full name. */
export function wireName(customer: Customer): string | undefined {
  return customer.company ?? text([customer.firstName, customer.middleName, customer.lastName].filter(Boolean).join(' '));
}

export interface WireDraft {
  payload: WirePayload;
  /** Why the API would refuse it (mandatory fields): the record is rejected locally and not sent. */
  problems: string[];
}

/**
 * The payload for create and update (never `id` or `manufacturer_id`), and
 * the document's mandatory-field rules checked before anything is sent.
 */
export function toWire(customer: Customer): WireDraft {
  const problems: string[] = [];
  const billing = defaultAddress(customer, 'billing');
  const shipping = customer.addresses.filter((a) => a.kind === 'shipping').sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
  // The document: with no contact address, the first delivery address is used as the contact address.
  const contactSource = billing ?? shipping[0];
  const deliveries = shipping.map((a, i) => deliveryToWire(a, i === 0));
  // The API refuses an empty delivery list ("A delivery address must be specified"):
  // a record with only a contact address is delivered to that address.
  if (deliveries.length === 0 && billing) deliveries.push(deliveryToWire(billing, true, false));

  const payload: WirePayload = { delivery_address: deliveries, customer_labels: [...customer.groups], settings: {} };
  const name = wireName(customer);
  if (name) payload.name = name;
  if (customer.email) payload.email = customer.email;
  const phone = customer.phone ?? billing?.phone;
  if (phone) payload.phone = phone;
  if (customer.mobile) payload.mobile = customer.mobile;
  const custom = customer.custom;
  if (custom[customKeys.ccEmail]) payload.cc_email = custom[customKeys.ccEmail];
  if (customer.discountPercent !== undefined) payload.price_adjustment = negate(customer.discountPercent);
  for (const [key, field] of [
    [customKeys.minimumCharge, 'minimum_charge_amount'],
    [customKeys.minimumFreight, 'minimum_freight_amount'],
  ] as const) {
    if (custom[key] === undefined) continue;
    const n = numberOf(custom[key]);
    if (n === undefined) problems.push(`custom.${key} must be a number, not "${custom[key]}"`);
    else payload[field] = n;
  }
  if (contactSource) payload.contact_address = addressToWire(contactSource);
  const depot = custom[customKeys.defaultDepot];
  if (depot !== undefined) payload.default_depot_id = /^\d+$/.test(depot) ? Number(depot) : depot;
  if (customer.externalId) payload.external_id = customer.externalId;
  for (const [key, value] of Object.entries(custom)) {
    if (!key.startsWith(settingsPrefix)) continue;
    const name = key.slice(settingsPrefix.length);
    if (name === 'is_suspended' || name === '') continue;
    if (value === 'true' || value === 'false') payload.settings[name] = value === 'true';
    else problems.push(`custom.${key} must be true or false, not "${value}"`);
  }
  if (customer.status !== undefined) payload.settings.is_suspended = customer.status === 'suspended' || customer.status === 'disabled';

  if (!payload.name) problems.push('name is mandatory: the record has no company and no first or last name');
  if (!payload.email) problems.push('email is mandatory: the record has no email');
  else if (!isEmailAddress(payload.email)) problems.push(`email "${payload.email}" is not a valid email address`);
  if (!payload.phone) problems.push('phone is mandatory: the record has no phone');
  if (!payload.contact_address) problems.push('a contact address is mandatory: the record has no billing or shipping address');
  else if (!payload.contact_address.state && !payload.contact_address.state_code) {
    problems.push(`the contact address must have a state: the ${billing ? 'billing' : 'shipping'} address has no region or region code`);
  }
  return { payload, problems };
}

/**
 * The record as Cabinetry would store it: mapped to the payload and read back
 * (what `diff` compares and `migrate` reports as dropped). The key stays the
 * record's own; a new customer gets its id from the API.
 */
export function project(customer: Customer, profileName: string): Customer {
  const { payload } = toWire(customer);
  // Without a status the API keeps its default (not suspended): it reads back `active`.
  const projected = fromWire({ ...payload, id: customer.key }, profileName);
  if (customer.source) projected.source = customer.source;
  else delete projected.source;
  return projected;
}
