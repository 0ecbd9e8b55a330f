import { stableStringify } from '../../core/stable-json.js';
import { parseCustomer, type Address, type AddressDraft, type Customer, type CustomerDraft, type CustomerStatus } from '../../core/customer.js';
import type { SpiffyAddress, SpiffyAddressPayload, SpiffyCustomer, SpiffyCustomerPayload } from './schema.js';

/**
 * Spiffy customer ⇄ canonical customer (SPEC section 4 `spiffy`). Pure: no I/O,
 * no clock. The rules, as data and small named functions:
 *
 * - `id` is the key; `accounting_id` and `pos_id` are kept in `custom`;
 *   the customer-level `company` is `company`.
 * - `addresses[]` are shipping addresses; `default` (or the id of
 *   `default_address`) is `isDefault`; `province`/`province_code`/`zip` are
 *   `region`/`regionCode`/`postcode`.
 * - There is no customer-level phone: the default address's phone is read into
 *   `phone`; on writing, `phone` goes onto the default address when that has none.
 * - `name` (customer and address) is derived by the store from title and names,
 *   so it is read only when an address has no first or last name.
 * - `tags` split on commas into `groups`; `state` `enabled` is `active`, other
 *   states keep their names; `state`, `orders_count`, `total_spent` and the
 *   timestamps are never written.
 * - A write never clears a field: what the record lacks is not sent.
 */

export const SYSTEM = 'spiffy';

/** Customer-level properties that read straight into a canonical field of the same meaning. */
const textFields = [
  ['title', 'title'],
  ['first_name', 'firstName'],
  ['last_name', 'lastName'],
  ['company', 'company'],
  ['email', 'email'],
  ['note', 'note'],
] as const;

/** Properties kept verbatim in `custom` under their wire name. */
const customFields = ['accounting_id', 'pos_id'] as const;

/** Address properties ⇄ canonical address fields (street lines are handled apart). */
const addressFields = [
  ['first_name', 'firstName'],
  ['last_name', 'lastName'],
  ['company', 'company'],
  ['city', 'city'],
  ['province', 'region'],
  ['province_code', 'regionCode'],
  ['country', 'country'],
  ['country_code', 'countryCode'],
  ['zip', 'postcode'],
  ['phone', 'phone'],
] as const;

const stateToStatus: Record<string, CustomerStatus> = {
  enabled: 'active',
  disabled: 'disabled',
  invited: 'invited',
  declined: 'declined',
  guest: 'guest',
};

function present(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return value.trim() === '' ? undefined : value;
}

function toNumber(value: number | string | null | undefined): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** `"loyal, wholesaler"` → `['loyal', 'wholesaler']` (trimmed, empties dropped; duplicates go in normalisation). */
export function splitTags(tags: string | null | undefined): string[] {
  return (tags ?? '').split(',').map((t) => t.trim()).filter((t) => t !== '');
}

export function statusOfState(state: string | null | undefined): CustomerStatus | undefined {
  return state ? stateToStatus[state] : undefined;
}

function addressFromWire(wire: SpiffyAddress, isDefault: boolean): AddressDraft {
  const draft: AddressDraft = { kind: 'shipping', isDefault, lines: [wire.address1 ?? '', wire.address2 ?? ''] };
  for (const [from, to] of addressFields) draft[to] = present(wire[from]);
  if (!draft.firstName && !draft.lastName) draft.name = present(wire.name);
  return draft;
}

/** `addresses[]`, plus `default_address` when the list does not hold it (e.g. a trimmed answer). */
function wireAddresses(wire: SpiffyCustomer): Array<{ address: SpiffyAddress; isDefault: boolean }> {
  const list = [...(wire.addresses ?? [])];
  const fallback = wire.default_address ?? undefined;
  if (fallback && !list.some((a) => (fallback.id != null && a.id === fallback.id) || a.default === true)) list.unshift({ ...fallback, default: true });
  const flagged = list.some((a) => a.default === true);
  return list.map((address) => ({
    address,
    isDefault: flagged ? address.default === true : fallback?.id != null && address.id === fallback.id,
  }));
}

/** A Spiffy customer as a canonical record; `profile` names where it was read from. */
export function fromWire(wire: SpiffyCustomer, profile: string): Customer {
  const addresses = wireAddresses(wire).map(({ address, isDefault }) => addressFromWire(address, isDefault));
  const custom: Record<string, string | undefined> = {};
  for (const name of customFields) custom[name] = present(wire[name]);
  const draft: CustomerDraft = {
    key: String(wire.id),
    addresses,
    groups: splitTags(wire.tags),
    custom,
    marketingOptIn: wire.accepts_marketing ?? undefined,
    status: statusOfState(wire.state),
    wholesale: wire.wholesale ?? undefined,
    credit: toNumber(wire.credit),
    totalSpent: toNumber(wire.total_spent),
    ordersCount: toNumber(wire.orders_count),
    createdAt: present(wire.created_at),
    updatedAt: present(wire.updated_at),
    source: { system: SYSTEM, profile, id: String(wire.id) },
    ...Object.fromEntries(textFields.map(([from, to]) => [to, present(wire[from])])),
  };
  // No customer-level phone on Spiffy: the default address's phone stands in. Set before
  // parsing, so that the record comes out with its fields in canonical order.
  draft.phone ??= addresses.find((a) => a.isDefault)?.phone?.trim() || undefined;
  return parseCustomer(draft);
}

function addressToWire(address: Address, isDefault: boolean): SpiffyAddressPayload {
  const out: Record<string, unknown> = {};
  for (const [to, from] of addressFields) if (address[from] !== undefined) out[to] = address[from];
  if (address.name !== undefined && !address.firstName && !address.lastName) out.name = address.name;
  const [line1, ...rest] = address.lines;
  if (line1) out.address1 = line1;
  const line2 = rest.filter((l) => l !== '').join(', ');
  if (line2) out.address2 = line2;
  return { ...out, default: isDefault } as SpiffyAddressPayload;
}

/**
 * The addresses a record sends, default first: the default shipping address
 * (so that the record's default shipping address stays its default), else the
 * default billing one; then the other shipping, then the other billing
 * addresses. Two addresses that would be sent identically are sent once.
 */
function addressesToWire(record: Customer): SpiffyAddressPayload[] {
  const rank = (a: Address) => (a.kind === 'shipping' ? 0 : 1) + (a.isDefault ? 0 : 2);
  const ordered = [...record.addresses].sort((a, b) => rank(a) - rank(b));
  const out: SpiffyAddressPayload[] = [];
  const seen = new Set<string>();
  for (const address of ordered) {
    const payload = addressToWire(address, out.length === 0);
    if (out.length === 0 && payload.phone === undefined && record.phone !== undefined) payload.phone = record.phone;
    const { default: _ignored, ...identity } = payload;
    const signature = stableStringify(identity);
    if (seen.has(signature)) continue;
    seen.add(signature);
    out.push(payload);
  }
  return out;
}

/** The `customer` object sent to create or update the record. Only what the record has is sent. */
export function toWire(record: Customer): SpiffyCustomerPayload {
  const out: Record<string, unknown> = {};
  for (const [to, from] of textFields) if (record[from] !== undefined) out[to] = record[from];
  if (record.marketingOptIn !== undefined) out.accepts_marketing = record.marketingOptIn;
  if (record.wholesale !== undefined) out.wholesale = record.wholesale;
  if (record.credit !== undefined) out.credit = record.credit;
  if (record.groups.length > 0) out.tags = record.groups.join(',');
  for (const name of customFields) if (record.custom[name] !== undefined) out[name] = record.custom[name];
  const addresses = addressesToWire(record);
  return { ...out, addresses } as SpiffyCustomerPayload;
}

/**
 * The record as Spiffy would hold it: sent, stored (the first address being
 * the default) and read back. Key and source stay the record's own.
 */
export function projectRecord(record: Customer, profile: string): Customer {
  const payload = toWire(record);
  const stored = { ...payload, id: 0 } as unknown as SpiffyCustomer;
  const back = fromWire(stored, profile);
  const projected: Customer = { ...back, key: record.key };
  delete projected.source;
  if (record.source) projected.source = record.source;
  return projected;
}

/**
 * True when sending `payload` would change nothing on `existing`: every field
 * the payload carries already has that value (`addresses` compared as sent).
 */
export function payloadUnchanged(payload: SpiffyCustomerPayload, existing: SpiffyCustomer, profile: string): boolean {
  const current = toWire(fromWire(existing, profile)) as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(payload)) {
    if (name === 'id') continue;
    if (name === 'addresses' && (value as unknown[]).length === 0) continue;
    if (stableStringify(value) !== stableStringify(current[name])) return false;
  }
  return true;
}
