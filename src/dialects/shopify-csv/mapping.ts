import { defaultAddress, type AddressDraft, type Customer, type CustomerDraft } from '../../core/customer.js';
import { CellError } from '../../io/csv-columns.js';
import { hasPlace, parseFormDraft, type FormContext, type FormRow } from '../csv-form.js';
import {
  birthDateMetafield,
  customBoolean,
  joinTags,
  readBoolean,
  readNumber,
  shopifyMetafield,
  splitTags,
  text,
  withoutTextMark,
  writeBoolean,
} from '../form-cells.js';

/**
 * Shopify's customer CSV ⇄ canonical (docs/formats.md). Pure. Three headers
 * are read: the import template (what custsync writes), the admin export
 * (the template plus `Customer ID`, totals, WhatsApp consent and metafield
 * columns), and the form before 2022 (`Company`, `Address1` … `Accepts
 * Marketing`). Headers are case-sensitive, as Shopify's importer has them.
 *
 * - `Customer ID` is the key; without it the email, else the phone.
 * - One address, the default: canonical default shipping address (Shopify's
 *   addresses are shipping addresses), else the default billing one.
 *   `Default Address Company` is also the customer's company.
 * - Booleans are `yes`/`no`; `Tags` is one comma-separated cell.
 * - `Tax Exempt`, `Accepts SMS Marketing` and `Accepts WhatsApp Marketing` go
 *   to `custom` (`tax_exempt` …, as `true`/`false`); metafields to `custom`
 *   as `namespace.key`, Shopify's birth date to `dateOfBirth`.
 * - A leading `'` that the export puts before ids, phones, zips and dates is
 *   removed. Passwords cannot be carried: Shopify takes none.
 */

/** The import template, exactly as Shopify publishes it: what custsync writes. */
export const importColumns = [
  'First Name',
  'Last Name',
  'Email',
  'Accepts Email Marketing',
  'Default Address Company',
  'Default Address Address1',
  'Default Address Address2',
  'Default Address City',
  'Default Address Province Code',
  'Default Address Country Code',
  'Default Address Zip',
  'Default Address Phone',
  'Phone',
  'Accepts SMS Marketing',
  'Tags',
  'Note',
  'Tax Exempt',
] as const;

/** The admin export's columns beyond the template (metafield columns come on top). */
const exportOnly = ['Customer ID', 'Total Spent', 'Total Orders', 'Accepts WhatsApp Marketing'];

/** The form before 2022 (its header minus the columns it shares with today's). */
const legacyOnly = ['Company', 'Address1', 'Address2', 'City', 'Province', 'Province Code', 'Country', 'Country Code', 'Zip', 'Accepts Marketing'];

const known = new Set<string>([...importColumns, ...exportOnly, ...legacyOnly]);

/** Columns no other form custsync reads has (Matrixify shares names, tags, note, phone, totals). */
const shared = new Set(['First Name', 'Last Name', 'Email', 'Phone', 'Tags', 'Note', 'Tax Exempt', 'Total Spent', 'Total Orders']);

export function knows(column: string): boolean {
  return known.has(column) || shopifyMetafield(column) !== undefined;
}

export function marks(column: string): boolean {
  return knows(column) && !shared.has(column);
}

export function hintFor(column: string): string | undefined {
  const match = [...known].find((k) => k.toLowerCase() === column.toLowerCase());
  return match ? `Shopify's headers are case-sensitive: "${column}" must be "${match}"` : undefined;
}

/** Address fields: the template's column, and the column before 2022. */
const addressColumns: Array<[field: 'company' | 'line1' | 'line2' | 'city' | 'region' | 'regionCode' | 'country' | 'countryCode' | 'postcode' | 'phone', current?: string, legacy?: string]> = [
  ['company', 'Default Address Company', 'Company'],
  ['line1', 'Default Address Address1', 'Address1'],
  ['line2', 'Default Address Address2', 'Address2'],
  ['city', 'Default Address City', 'City'],
  ['region', undefined, 'Province'],
  ['regionCode', 'Default Address Province Code', 'Province Code'],
  ['country', undefined, 'Country'],
  ['countryCode', 'Default Address Country Code', 'Country Code'],
  ['postcode', 'Default Address Zip', 'Zip'],
  ['phone', 'Default Address Phone', undefined],
];

/** Cells the export marks as text with a leading `'`. */
const markedAsText = new Set(['Customer ID', 'Phone', 'Default Address Phone', 'Default Address Zip', 'Zip']);

/** The first of the columns the row has. */
function cell(row: FormRow, ...columns: Array<string | undefined>): { column: string; value: string | undefined } {
  for (const column of columns) if (column !== undefined && column in row) return { column, value: markedAsText.has(column) ? withoutTextMark(row[column]) : row[column] };
  return { column: columns.find((c) => c !== undefined) ?? '', value: undefined };
}

function booleanCustom(row: FormRow, column: string): string | undefined {
  const value = readBoolean(column, row[column]);
  return value === undefined ? undefined : String(value);
}

const fieldColumns: Record<string, string> = {
  key: 'Customer ID',
  email: 'Email',
  firstName: 'First Name',
  lastName: 'Last Name',
  phone: 'Phone',
  note: 'Note',
  company: 'Default Address Company',
};

export function toCustomer(rows: FormRow[], context: FormContext): Customer {
  const row = rows[0];
  const id = text(cell(row, 'Customer ID').value);
  const email = text(row.Email);
  const phone = text(cell(row, 'Phone').value);
  const custom: Record<string, string | undefined> = {
    tax_exempt: booleanCustom(row, 'Tax Exempt'),
    accepts_sms_marketing: booleanCustom(row, 'Accepts SMS Marketing'),
    accepts_whatsapp_marketing: booleanCustom(row, 'Accepts WhatsApp Marketing'),
  };
  const draft: CustomerDraft = {
    key: id ?? email ?? phone ?? context.fallbackKey ?? '',
    email,
    firstName: text(row['First Name']),
    lastName: text(row['Last Name']),
    phone,
    groups: splitTags(row.Tags),
    note: text(row.Note),
    custom,
  };
  if (draft.key === '') throw new CellError('Email', 'is empty, and the row has no Customer ID or Phone to know the customer by');
  const marketing = cell(row, 'Accepts Email Marketing', 'Accepts Marketing');
  draft.marketingOptIn = readBoolean(marketing.column, marketing.value);
  draft.totalSpent = readNumber('Total Spent', row['Total Spent']);
  draft.ordersCount = readNumber('Total Orders', row['Total Orders']);
  let birthDateColumn = 'Birth date';
  for (const [column, value] of Object.entries(row)) {
    const metafield = shopifyMetafield(column);
    if (metafield === undefined) continue;
    const content = text(withoutTextMark(value));
    if (metafield === birthDateMetafield) [draft.dateOfBirth, birthDateColumn] = [content, column];
    else custom[metafield] = content;
  }
  const address: AddressDraft & { line1?: string; line2?: string } = { kind: 'shipping', isDefault: true };
  for (const [field, current, legacy] of addressColumns) address[field] = text(cell(row, current, legacy).value);
  address.lines = [address.line1 ?? '', address.line2 ?? ''];
  delete address.line1;
  delete address.line2;
  draft.company = address.company;
  draft.addresses = hasPlace(address) ? [address] : [];
  if (id !== undefined) draft.source = { system: 'shopify-csv', profile: context.profileName, id };
  return parseFormDraft(draft, (field) => (field === 'dateOfBirth' ? birthDateColumn : (fieldColumns[field] ?? field)));
}

export function toRow(record: Customer): FormRow {
  const address = defaultAddress(record, 'shipping') ?? defaultAddress(record, 'billing');
  const [line1, ...more] = address?.lines ?? [];
  return {
    'First Name': record.firstName ?? '',
    'Last Name': record.lastName ?? '',
    Email: record.email ?? '',
    'Accepts Email Marketing': writeBoolean(record.marketingOptIn, 'yes', 'no'),
    'Default Address Company': address?.company ?? record.company ?? '',
    'Default Address Address1': line1 ?? '',
    // Shopify has two street lines: the rest joins the second.
    'Default Address Address2': more.filter((line) => line !== '').join(', '),
    'Default Address City': address?.city ?? '',
    'Default Address Province Code': address?.regionCode ?? '',
    'Default Address Country Code': address?.countryCode ?? '',
    'Default Address Zip': address?.postcode ?? '',
    'Default Address Phone': address?.phone ?? '',
    Phone: record.phone ?? '',
    'Accepts SMS Marketing': writeBoolean(customBoolean(record.custom.accepts_sms_marketing), 'yes', 'no'),
    Tags: joinTags(record.groups),
    Note: record.note ?? '',
    'Tax Exempt': writeBoolean(customBoolean(record.custom.tax_exempt), 'yes', 'no'),
  };
}
