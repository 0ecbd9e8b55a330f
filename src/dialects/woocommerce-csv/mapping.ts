import { defaultAddress, emailKey, type Address, type AddressDraft, type AddressKind, type Customer, type CustomerDraft } from '../../core/customer.js';
import { CellError } from '../../io/csv-columns.js';
import { hasPlace, parseFormDraft, type FormContext, type FormRow } from '../csv-form.js';
import { readInstant, text, writeInstantUtc } from '../form-cells.js';

/**
 * WooCommerce's customer export ⇄ canonical (docs/formats.md). Pure.
 * Columns are matched by name, never by position; columns beyond the export's
 * own (`meta:<key>` from plugins, `username`, …) are kept in `custom`
 * (`meta:` taken off the name).
 *
 * - `customer_id` (the WordPress user id) is the key; without it the email.
 *   It is written only for records read from a WooCommerce export: an id of
 *   another system would make an importer update the wrong user.
 * - `billing_*` is the default billing address, `shipping_*` the default
 *   shipping one; `*_state` and `*_country` are codes (`CA`, `US`).
 * - `billing_phone` is also the customer's phone, `billing_company` its
 *   company, `billing_first_name`/`billing_last_name` its names when
 *   `first_name`/`last_name` are empty (guest checkouts), `billing_email` its
 *   email when `email` is empty; a different `billing_email` is kept in
 *   `custom.billing_email`.
 * - `date_registered` is `createdAt`, written `YYYY-MM-DD HH:MM:SS` in UTC.
 */

export const exportColumns = [
  'customer_id',
  'first_name',
  'last_name',
  'email',
  'date_registered',
  'billing_first_name',
  'billing_last_name',
  'billing_company',
  'billing_email',
  'billing_phone',
  'billing_address_1',
  'billing_address_2',
  'billing_postcode',
  'billing_city',
  'billing_state',
  'billing_country',
  'shipping_first_name',
  'shipping_last_name',
  'shipping_company',
  'shipping_address_1',
  'shipping_address_2',
  'shipping_postcode',
  'shipping_city',
  'shipping_state',
  'shipping_country',
] as const;

const known = new Set<string>(exportColumns);

/** Columns of the export that custsync's canonical CSV also has, with the same name. */
const sharedWithCanonical = new Set([
  'first_name',
  'last_name',
  'email',
  'billing_first_name',
  'billing_last_name',
  'billing_company',
  'billing_phone',
  'billing_postcode',
  'billing_city',
  'billing_country',
  'shipping_first_name',
  'shipping_last_name',
  'shipping_company',
  'shipping_postcode',
  'shipping_city',
  'shipping_country',
]);

export function knows(column: string): boolean {
  return known.has(column) || column.startsWith('meta:');
}

export function marks(column: string): boolean {
  return knows(column) && !sharedWithCanonical.has(column);
}

export const SYSTEM = 'woocommerce-csv';

const addressColumns: Array<[suffix: string, field: 'firstName' | 'lastName' | 'company' | 'phone' | 'postcode' | 'city' | 'regionCode' | 'countryCode']> = [
  ['first_name', 'firstName'],
  ['last_name', 'lastName'],
  ['company', 'company'],
  ['phone', 'phone'],
  ['postcode', 'postcode'],
  ['city', 'city'],
  ['state', 'regionCode'],
  ['country', 'countryCode'],
];

function readAddress(row: FormRow, kind: AddressKind): AddressDraft {
  const address: AddressDraft = { kind, isDefault: true, lines: [row[`${kind}_address_1`] ?? '', row[`${kind}_address_2`] ?? ''] };
  for (const [suffix, field] of addressColumns) address[field] = text(row[`${kind}_${suffix}`]);
  return address;
}

function writeAddress(row: FormRow, kind: AddressKind, address: Address | undefined): void {
  const [line1, ...more] = address?.lines ?? [];
  row[`${kind}_address_1`] = line1 ?? '';
  row[`${kind}_address_2`] = more.filter((line) => line !== '').join(', ');
  for (const [suffix, field] of addressColumns) {
    if (kind === 'shipping' && suffix === 'phone') continue;
    row[`${kind}_${suffix}`] = address?.[field] ?? '';
  }
}

const fieldColumns: Record<string, string> = {
  key: 'customer_id',
  email: 'email',
  firstName: 'first_name',
  lastName: 'last_name',
  phone: 'billing_phone',
  company: 'billing_company',
  createdAt: 'date_registered',
  addresses: 'billing_address_1',
};

export function toCustomer(rows: FormRow[], context: FormContext): Customer {
  const row = rows[0];
  const id = text(row.customer_id);
  const billingEmail = text(row.billing_email);
  const email = text(row.email) ?? billingEmail;
  const custom: Record<string, string | undefined> = {};
  if (billingEmail !== undefined && emailKey(billingEmail) !== emailKey(email)) custom.billing_email = billingEmail;
  for (const [column, value] of Object.entries(row)) {
    if (known.has(column)) continue;
    custom[column.startsWith('meta:') ? column.slice('meta:'.length) : column] = text(value);
  }
  const billing = readAddress(row, 'billing');
  const shipping = readAddress(row, 'shipping');
  const draft: CustomerDraft = {
    key: id ?? email ?? context.fallbackKey ?? '',
    email,
    firstName: text(row.first_name) ?? billing.firstName,
    lastName: text(row.last_name) ?? billing.lastName,
    company: billing.company,
    phone: billing.phone,
    createdAt: readInstant('date_registered', row.date_registered),
    addresses: [billing, shipping].filter(hasPlace),
    groups: [],
    custom,
  };
  if (draft.key === '') throw new CellError('email', 'is empty, and the row has no customer_id to know the customer by');
  if (id !== undefined) draft.source = { system: SYSTEM, profile: context.profileName, id };
  return parseFormDraft(draft, (field) => fieldColumns[field] ?? field);
}

export function toRow(record: Customer): FormRow {
  const billing = defaultAddress(record, 'billing');
  const row: FormRow = {
    customer_id: record.source?.system === SYSTEM ? record.source.id : '',
    first_name: record.firstName ?? '',
    last_name: record.lastName ?? '',
    email: record.email ?? '',
    date_registered: writeInstantUtc(record.createdAt),
  };
  writeAddress(row, 'billing', billing);
  writeAddress(row, 'shipping', defaultAddress(record, 'shipping'));
  row.billing_email = record.custom.billing_email ?? record.email ?? '';
  row.billing_phone = billing?.phone ?? record.phone ?? '';
  row.billing_company = billing?.company ?? record.company ?? '';
  return row;
}
