import { emailKey, type Address, type AddressDraft, type Customer, type CustomerDraft, type CustomerStatus } from '../../core/customer.js';
import { stableStringify } from '../../core/stable-json.js';
import { CellError } from '../../io/csv-columns.js';
import { hasPlace, parseFormDraft, type FormContext, type FormRow } from '../csv-form.js';
import {
  birthDateMetafield,
  customBoolean,
  joinTags,
  matrixifyMetafield,
  readBoolean,
  readInstant,
  readLanguage,
  readNumber,
  splitTags,
  text,
  writeBoolean,
} from '../form-cells.js';

/**
 * Matrixify's "Customers" sheet (as CSV) ⇄ canonical (docs/formats.md). Pure.
 * One row per address; the rows of one customer follow each other and share
 * its `ID`, else its `Email`. The customer's own columns are read from the
 * first row that has them and written on the first row only.
 *
 * - `ID` (Shopify's customer id) is the key; without it the email, else the
 *   phone. `ID` and `Address ID` are written only for records read from
 *   Shopify or Matrixify files: another system's id would make Matrixify
 *   look for the wrong customer. Rows are written with `Command` MERGE
 *   (update the customer found by ID or email, else create it).
 * - Every address is a Shopify (shipping) address; `Address Is Default`
 *   marks one. Writing puts the default shipping address first and marks it
 *   default, then the default billing address and the others.
 *   The default address's company is the customer's company.
 * - `State` enabled/disabled/invited/declined ⇄ `status`; `Email Marketing:
 *   Status` subscribed ⇄ `marketingOptIn` true (the other states false;
 *   false is written `not_subscribed`); `Tax Exempt` TRUE/FALSE ⇄
 *   `custom.tax_exempt`; `Metafield: ns.key [type]` → `custom['ns.key']`,
 *   Shopify's birth date → `dateOfBirth`.
 * - `Total Spent`, `Total Orders`, `Created At`, `Updated At` are read
 *   (export only); so is `SMS Marketing: Status` (→ `custom.accepts_sms_marketing`).
 */

const customerColumns = ['ID', 'Email', 'Command', 'First Name', 'Last Name', 'Phone', 'State', 'Language', 'Note', 'Tags', 'Tax Exempt', 'Email Marketing: Status'] as const;

const addressColumnList = [
  'Address ID',
  'Address First Name',
  'Address Last Name',
  'Address Phone',
  'Address Company',
  'Address Line 1',
  'Address Line 2',
  'Address City',
  'Address Province',
  'Address Province Code',
  'Address Country',
  'Address Country Code',
  'Address Zip',
  'Address Is Default',
] as const;

/** What custsync writes, in order. */
export const sheetColumns: readonly string[] = [...customerColumns, ...addressColumnList];

const exportOnly = ['Total Spent', 'Total Orders', 'Created At', 'Updated At', 'SMS Marketing: Status'];

/** Columns of Matrixify's sheet that custsync knows and leaves out (docs/formats.md says why). */
const leftOut = [
  'Row #',
  'Top Row',
  'Tags Command',
  'Address Command',
  'Verified Email',
  'Multipass Identifier',
  'Account Activation URL',
  'Send Account Activation Email',
  'Send Welcome Email',
  'Password',
  'Email Marketing: Level',
  'Email Marketing: Updated At',
  'SMS Marketing: Level',
  'SMS Marketing: Updated At',
  'SMS Marketing: Phone',
  'Import Result',
  'Import Comment',
];

const known = new Set<string>([...sheetColumns, ...exportOnly, ...leftOut]);

/** Columns Shopify's CSV has too. */
const shared = new Set(['First Name', 'Last Name', 'Email', 'Phone', 'Tags', 'Note', 'Tax Exempt', 'Total Spent', 'Total Orders']);

export function knows(column: string): boolean {
  return known.has(column) || matrixifyMetafield(column) !== undefined;
}

export function marks(column: string): boolean {
  return knows(column) && !shared.has(column);
}

export const SYSTEM = 'matrixify-csv';

/** Systems whose ids are Shopify's: their `ID` and `Address ID` mean the same customer and address to Matrixify. */
const shopifyIds = new Set([SYSTEM, 'shopify-csv']);

export function groupOf(row: FormRow): string | undefined {
  const id = text(row.ID);
  if (id !== undefined) return `id:${id}`;
  const email = emailKey(row.Email);
  return email === undefined ? undefined : `email:${email}`;
}

const stateToStatus: Record<string, CustomerStatus> = { enabled: 'active', disabled: 'disabled', invited: 'invited', declined: 'declined' };
const statusToState: Partial<Record<CustomerStatus, string>> = { active: 'enabled', disabled: 'disabled', invited: 'invited', declined: 'declined' };

function readState(value: string | undefined): CustomerStatus | undefined {
  const cell = text(value);
  if (cell === undefined) return undefined;
  const status = stateToStatus[cell.toLowerCase()];
  if (!status) throw new CellError('State', `"${cell}" is not enabled, disabled, invited or declined`);
  return status;
}

const consentStates = ['subscribed', 'not_subscribed', 'unsubscribed', 'pending', 'redacted', 'invalid'];

function readConsent(column: string, value: string | undefined): boolean | undefined {
  const cell = text(value);
  if (cell === undefined) return undefined;
  const lower = cell.toLowerCase();
  if (!consentStates.includes(lower)) throw new CellError(column, `"${cell}" is not one of ${consentStates.join(', ')}`);
  return lower === 'subscribed';
}

const addressFields: Array<[column: (typeof addressColumnList)[number], field: 'externalId' | 'firstName' | 'lastName' | 'phone' | 'company' | 'city' | 'region' | 'regionCode' | 'country' | 'countryCode' | 'postcode']> = [
  ['Address ID', 'externalId'],
  ['Address First Name', 'firstName'],
  ['Address Last Name', 'lastName'],
  ['Address Phone', 'phone'],
  ['Address Company', 'company'],
  ['Address City', 'city'],
  ['Address Province', 'region'],
  ['Address Province Code', 'regionCode'],
  ['Address Country', 'country'],
  ['Address Country Code', 'countryCode'],
  ['Address Zip', 'postcode'],
];

function readAddress(row: FormRow): AddressDraft {
  const address: AddressDraft = {
    kind: 'shipping',
    isDefault: readBoolean('Address Is Default', row['Address Is Default']) === true,
    lines: [row['Address Line 1'] ?? '', row['Address Line 2'] ?? ''],
  };
  for (const [column, field] of addressFields) address[field] = text(row[column]);
  return address;
}

const fieldColumns: Record<string, string> = {
  key: 'ID',
  email: 'Email',
  firstName: 'First Name',
  lastName: 'Last Name',
  phone: 'Phone',
  language: 'Language',
  note: 'Note',
  company: 'Address Company',
  addresses: 'Address Line 1',
};

export function toCustomer(rows: FormRow[], context: FormContext): Customer {
  /** A customer column: the first row that has it filled (Matrixify reads the top row; exports repeat some). */
  const first = (column: string): string | undefined => rows.map((row) => text(row[column])).find((value) => value !== undefined);
  const id = first('ID');
  const email = first('Email');
  const phone = first('Phone');
  const custom: Record<string, string | undefined> = {};
  const taxExempt = readBoolean('Tax Exempt', first('Tax Exempt'));
  if (taxExempt !== undefined) custom.tax_exempt = String(taxExempt);
  const sms = readConsent('SMS Marketing: Status', first('SMS Marketing: Status'));
  if (sms !== undefined) custom.accepts_sms_marketing = String(sms);
  let birthDateColumn = 'Metafield: facts.birth_date';
  const draft: CustomerDraft = {
    key: id ?? email ?? phone ?? context.fallbackKey ?? '',
    email,
    firstName: first('First Name'),
    lastName: first('Last Name'),
    phone,
    status: readState(first('State')),
    language: readLanguage('Language', first('Language')),
    note: first('Note'),
    groups: splitTags(first('Tags')),
    marketingOptIn: readConsent('Email Marketing: Status', first('Email Marketing: Status')),
    totalSpent: readNumber('Total Spent', first('Total Spent')),
    ordersCount: readNumber('Total Orders', first('Total Orders')),
    createdAt: readInstant('Created At', first('Created At')),
    updatedAt: readInstant('Updated At', first('Updated At')),
    custom,
  };
  if (draft.key === '') throw new CellError('Email', 'is empty, and the row has no ID or Phone to know the customer by');
  for (const column of Object.keys(rows[0])) {
    const metafield = matrixifyMetafield(column);
    if (metafield === undefined) continue;
    if (metafield === birthDateMetafield) [draft.dateOfBirth, birthDateColumn] = [first(column), column];
    else custom[metafield] = first(column);
  }
  const addresses = rows.map(readAddress);
  const located = addresses.filter(hasPlace);
  draft.addresses = located;
  // The customer's company: the default address's, or a company on a row without an address.
  draft.company = (located.find((a) => a.isDefault) ?? located[0])?.company ?? addresses.find((a) => !hasPlace(a) && a.company !== undefined)?.company;
  if (id !== undefined) draft.source = { system: SYSTEM, profile: context.profileName, id };
  return parseFormDraft(draft, (field) => (field === 'dateOfBirth' ? birthDateColumn : (fieldColumns[field] ?? field)));
}

/** The record's addresses in the order they are written: default shipping, default billing, the other shipping, the other billing; each once. */
function orderedAddresses(record: Customer): Address[] {
  const rank = (a: Address) => (a.kind === 'shipping' ? 0 : 1) + (a.isDefault ? 0 : 2);
  const seen = new Set<string>();
  return [...record.addresses]
    .sort((a, b) => rank(a) - rank(b))
    .filter((address) => {
      const { kind: _kind, isDefault: _isDefault, ...identity } = address;
      const signature = stableStringify(identity);
      if (seen.has(signature)) return false;
      seen.add(signature);
      return true;
    });
}

function addressCells(address: Address | undefined, isDefault: boolean, withIds: boolean, company: string | undefined): FormRow {
  const [line1, ...more] = address?.lines ?? [];
  const row: FormRow = {
    'Address Line 1': line1 ?? '',
    'Address Line 2': more.filter((line) => line !== '').join(', '),
    'Address Is Default': address ? writeBoolean(isDefault, 'TRUE', 'FALSE') : '',
  };
  for (const [column, field] of addressFields) row[column] = address?.[field] ?? '';
  row['Address Company'] = address?.company ?? company ?? '';
  if (!withIds) row['Address ID'] = '';
  return row;
}

export function toRows(record: Customer): FormRow[] {
  const withIds = record.source !== undefined && shopifyIds.has(record.source.system);
  const identity: FormRow = { ID: withIds ? record.source!.id : '', Email: record.email ?? '', Command: 'MERGE' };
  const customer: FormRow = {
    'First Name': record.firstName ?? '',
    'Last Name': record.lastName ?? '',
    Phone: record.phone ?? '',
    State: record.status ? (statusToState[record.status] ?? '') : '',
    Language: record.language ?? '',
    Note: record.note ?? '',
    Tags: joinTags(record.groups),
    'Tax Exempt': writeBoolean(customBoolean(record.custom.tax_exempt), 'TRUE', 'FALSE'),
    'Email Marketing: Status': record.marketingOptIn === undefined ? '' : record.marketingOptIn ? 'subscribed' : 'not_subscribed',
  };
  let addresses = orderedAddresses(record);
  // Rows are grouped by ID, else email: without either, only one row can belong to the customer.
  if (identity.ID === '' && identity.Email === '') addresses = addresses.slice(0, 1);
  if (addresses.length === 0) return [{ ...identity, ...customer, ...addressCells(undefined, false, withIds, record.company) }];
  return addresses.map((address, i) => ({
    ...identity,
    ...(i === 0 ? customer : {}),
    ...addressCells(address, i === 0, withIds, i === 0 ? record.company : undefined),
  }));
}
