import { defaultAddress, parseCustomer, type Address, type AddressDraft, type Customer, type CustomerDraft } from '../../core/customer.js';
import { customerColumns, type CustomerColumn, type CustomerNode, type UserCustomerGroupNode } from './schema.js';

/**
 * ResultSet `<Customer>` ⇄ canonical customer (SPEC section 4 `resultset`),
 * pure: data tables plus small named functions.
 *
 * Groups: `<UserCustomerGroup><group_code>` → `groups`. Two per-group facts
 * are kept in `custom`: `group_title.<code>` (the `UserGroups` title, when that
 * resource is joined) and `group_subscribed.<code>` = `"false"` when the
 * customer unsubscribed from that group (absent: subscribed, the default).
 */

/** Address columns without the `b_` prefix → address fields; street lines are separate. */
const addressColumns = {
  company: 'company',
  fname: 'firstName',
  lname: 'lastName',
  city: 'city',
  state: 'region',
  zip: 'postcode',
  country: 'countryCode',
} as const satisfies Record<string, keyof Address>;
const lineColumns = ['address1', 'address2', 'address3'] as const;

/** Columns kept verbatim in `custom` under their own names. */
export const customColumns = ['mv_shipmode', 'custom_data1', 'custom_data2', 'custom_data3', 'custom_data4'] as const;

export const groupTitleKey = (code: string) => `group_title.${code}`;
export const groupSubscribedKey = (code: string) => `group_subscribed.${code}`;

type Prefix = '' | 'b_';
type Wire = Partial<Record<CustomerColumn, string>>;

const column = (prefix: Prefix, name: string) => `${prefix}${name}` as CustomerColumn;

/** Only set values: an empty element is the same as an absent one. */
function value(node: Wire, name: CustomerColumn): string | undefined {
  const text = node[name]?.trim();
  return text ? text : undefined;
}

export function isTrue(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  if (/^(1|true|yes|y|on)$/i.test(text.trim())) return true;
  if (/^(0|false|no|n|off)$/i.test(text.trim())) return false;
  return undefined;
}

/** ISO 8601 with an offset; a stamp without one is read as UTC; what cannot be read is kept as it came. */
export function toInstant(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const trimmed = text.trim();
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed) ? trimmed : `${trimmed.replace(' ', 'T')}Z`;
  const date = new Date(withZone);
  return Number.isNaN(date.getTime()) ? trimmed : date.toISOString();
}

function readAddress(node: Wire, prefix: Prefix, kind: Address['kind']): AddressDraft | undefined {
  const draft: AddressDraft = { kind, isDefault: true, lines: lineColumns.map((name) => value(node, column(prefix, name)) ?? '') };
  let any = draft.lines!.some((line) => line !== '');
  for (const [name, field] of Object.entries(addressColumns)) {
    const text = value(node, column(prefix, name));
    if (text === undefined) continue;
    (draft as Record<string, unknown>)[field] = text;
    any = true;
  }
  return any ? draft : undefined;
}

/** The comparable content of an address draft (kind and default flag aside). */
function addressContent(draft: AddressDraft): string {
  // Both drafts come from readAddress: three lines each, blanks as ''.
  return JSON.stringify([draft.lines, ...Object.values(addressColumns).map((field) => draft[field])]);
}

function readGroups(groups: UserCustomerGroupNode[] | undefined, custom: Record<string, string>): string[] {
  const codes: string[] = [];
  for (const group of groups ?? []) {
    const code = group.group_code.trim();
    if (!code || codes.includes(code)) continue;
    codes.push(code);
    const title = group.UserGroup?.[0]?.title?.trim();
    if (title) custom[groupTitleKey(code)] = title;
    if (isTrue(group.subscribed) === false) custom[groupSubscribedKey(code)] = 'false';
  }
  return codes;
}

/** A `<Customer>` as read from the API → the canonical record. */
export function fromWire(node: CustomerNode, profileName: string): Customer {
  const billing = readAddress(node, 'b_', 'billing');
  let shipping = readAddress(node, '', 'shipping');
  // Unprefixed fields are the shipping address "if different": equal to billing means none.
  if (shipping && billing && addressContent(shipping) === addressContent(billing)) shipping = undefined;
  const names = billing ?? shipping;
  const custom: Record<string, string> = {};
  for (const name of customColumns) {
    const text = value(node, name);
    if (text !== undefined) custom[name] = text;
  }
  const inactive = isTrue(node.inactive);
  const noEmail = isTrue(node.no_email);
  const discount = value(node, 'discount');
  const draft: CustomerDraft = {
    key: node.username,
    email: value(node, 'email'),
    firstName: names?.firstName,
    lastName: names?.lastName,
    company: names?.company,
    phone: value(node, 'phone_day'),
    altPhone: value(node, 'phone_night'),
    addresses: [billing, shipping].filter((a): a is AddressDraft => a !== undefined),
    groups: readGroups(node.UserCustomerGroup, custom),
    marketingOptIn: noEmail === undefined ? undefined : !noEmail,
    status: inactive === undefined ? undefined : inactive ? 'disabled' : 'active',
    discountPercent: discount !== undefined && /^-?\d+(\.\d+)?$/.test(discount) ? Number(discount) : undefined,
    passwordHash: value(node, 'password'),
    custom,
    createdAt: toInstant(value(node, 'date_created')),
    updatedAt: toInstant(value(node, 'date_updated')),
    source: { system: 'resultset', profile: profileName, id: node.username },
  };
  return parseCustomer(draft);
}

/** Statuses written as `inactive` 1; every other status is 0. */
const inactiveStatuses = new Set<Customer['status']>(['disabled', 'suspended', 'declined']);

function writeAddress(wire: Wire, prefix: Prefix, address: Address | undefined, names: { firstName?: string; lastName?: string; company?: string } = {}): void {
  const lines = address?.lines ?? [];
  const set = (name: CustomerColumn, text: string | undefined) => {
    if (text !== undefined && text !== '') wire[name] = text;
  };
  set(column(prefix, 'company'), names.company ?? address?.company);
  set(column(prefix, 'fname'), names.firstName ?? address?.firstName);
  set(column(prefix, 'lname'), names.lastName ?? address?.lastName);
  set(column(prefix, 'address1'), lines[0]);
  set(column(prefix, 'address2'), lines[1]);
  // Three street columns: any further lines are joined into the third.
  set(column(prefix, 'address3'), lines.slice(2).filter(Boolean).join(', '));
  set(column(prefix, 'city'), address?.city);
  set(column(prefix, 'state'), address?.region ?? address?.regionCode);
  set(column(prefix, 'zip'), address?.postcode);
  const country = address?.countryCode ?? (address?.country && /^[A-Za-z]{2}$/.test(address.country) ? address.country : undefined);
  set(column(prefix, 'country'), country?.toUpperCase());
}

/**
 * The canonical record → a `<Customer>` for the upsert. Never writes
 * `password`: a `passwordHash` would be hashed again by the server, and the
 * canonical record carries no plain password.
 */
export function toWire(customer: Customer): CustomerNode {
  const wire: Wire = { username: customer.key };
  if (customer.email) wire.email = customer.email;
  const billing = defaultAddress(customer, 'billing');
  const shipping = defaultAddress(customer, 'shipping');
  // The b_* fields are the primary address: a record with only a shipping address writes that one there.
  const primary = billing ?? shipping;
  writeAddress(wire, 'b_', primary, { firstName: customer.firstName, lastName: customer.lastName, company: customer.company });
  if (billing && shipping) {
    const separate: Wire = {};
    writeAddress(separate, '', shipping);
    // Sent only "if different": the same content as the b_* columns would read back as no shipping address.
    const asBilling = Object.fromEntries(Object.entries(wire).filter(([name]) => name.startsWith('b_')).map(([name, text]) => [name.slice(2), text]));
    if (JSON.stringify(separate) !== JSON.stringify(asBilling)) Object.assign(wire, separate);
  }
  const phone = customer.phone ?? primary?.phone;
  if (phone) wire.phone_day = phone;
  const altPhone = customer.altPhone ?? customer.mobile;
  if (altPhone) wire.phone_night = altPhone;
  if (customer.status !== undefined) wire.inactive = inactiveStatuses.has(customer.status) ? '1' : '0';
  if (customer.discountPercent !== undefined) wire.discount = String(Math.round(customer.discountPercent));
  if (customer.marketingOptIn !== undefined) wire.no_email = customer.marketingOptIn ? '0' : '1';
  for (const name of customColumns) {
    if (customer.custom[name] !== undefined) wire[name] = customer.custom[name];
  }
  const ordered: Record<string, unknown> = {};
  for (const name of Object.keys(wire).sort((a, b) => columnOrder(a) - columnOrder(b))) ordered[name] = wire[name as CustomerColumn];
  const node = ordered as CustomerNode;
  if (customer.groups.length > 0) {
    node.UserCustomerGroup = customer.groups.map((code) => {
      const group: UserCustomerGroupNode = { username: customer.key, group_code: code };
      if (customer.custom[groupSubscribedKey(code)] === 'false') group.subscribed = '0';
      return group;
    });
  }
  return node;
}

// A table, not indexOf: every record written sorts its columns by it (a tenth of a push's CPU was indexOf).
const columnRank: ReadonlyMap<string, number> = new Map(customerColumns.map((name, rank) => [name, rank]));

function columnOrder(name: string): number {
  return columnRank.get(name) ?? -1;
}

/** Titles of the record's groups, for creating missing UserGroups: `custom.group_title.<code>`, else the code. */
export function groupTitle(customer: Customer, code: string): string {
  return customer.custom[groupTitleKey(code)] ?? code;
}

/**
 * The record as the ResultSet API would store it: written and read back. The
 * server keeps its own dates and never returns a password we did not send, so
 * `createdAt`/`updatedAt` and `source` are carried over, `passwordHash`
 * dropped; group titles and unsubscriptions stay as the record had them.
 */
export function project(customer: Customer, profileName: string): Customer {
  const read = fromWire(toWire(customer), profileName);
  const custom = { ...read.custom };
  for (const code of read.groups) {
    const title = customer.custom[groupTitleKey(code)];
    if (title !== undefined) custom[groupTitleKey(code)] = title;
  }
  return parseCustomer({
    ...read,
    custom,
    createdAt: customer.createdAt,
    updatedAt: customer.updatedAt,
    source: customer.source,
  });
}
