import { AddressSchema, parseCustomer, type Address, type AddressDraft, type AddressKind, type Customer, type CustomerDraft } from '../core/customer.js';
import { UserError } from '../core/errors.js';
import { z } from 'zod';
import { checkDraft, emailProblem } from './record-problems.js';
import { unguardCell } from './formula.js';

/**
 * The canonical record flattened to CSV columns and back (SPEC section 3).
 * Pure: no I/O. Empty cell = absent; groups `;`-joined; the non-default
 * addresses as a JSON array in `more_addresses`; `custom` as a JSON object.
 */

type Scalar = 'text' | 'number' | 'boolean';

const customerColumns: Array<[column: string, field: keyof Customer, type: Scalar]> = [
  ['key', 'key', 'text'],
  ['email', 'email', 'text'],
  ['title', 'title', 'text'],
  ['first_name', 'firstName', 'text'],
  ['middle_name', 'middleName', 'text'],
  ['last_name', 'lastName', 'text'],
  ['company', 'company', 'text'],
  ['phone', 'phone', 'text'],
  ['mobile', 'mobile', 'text'],
  ['alt_phone', 'altPhone', 'text'],
  ['date_of_birth', 'dateOfBirth', 'text'],
  ['gender', 'gender', 'text'],
  ['language', 'language', 'text'],
];
const customerColumnsAfterGroups: Array<[string, keyof Customer, Scalar]> = [
  ['marketing_opt_in', 'marketingOptIn', 'boolean'],
  ['status', 'status', 'text'],
  ['discount_percent', 'discountPercent', 'number'],
  ['wholesale', 'wholesale', 'boolean'],
  ['credit', 'credit', 'number'],
  ['total_spent', 'totalSpent', 'number'],
  ['orders_count', 'ordersCount', 'number'],
  ['note', 'note', 'text'],
  ['external_id', 'externalId', 'text'],
  ['created_at', 'createdAt', 'text'],
  ['updated_at', 'updatedAt', 'text'],
];
const addressColumns: Array<[suffix: string, field: keyof Address | 'line1' | 'line2' | 'line3']> = [
  ['name', 'name'],
  ['company', 'company'],
  ['first_name', 'firstName'],
  ['last_name', 'lastName'],
  ['line1', 'line1'],
  ['line2', 'line2'],
  ['line3', 'line3'],
  ['city', 'city'],
  ['region', 'region'],
  ['region_code', 'regionCode'],
  ['postcode', 'postcode'],
  ['country', 'country'],
  ['country_code', 'countryCode'],
  ['phone', 'phone'],
];

/** Column names per address kind, computed once: this runs for every row. */
const addressColumnNames: Record<AddressKind, Array<[column: string, field: (typeof addressColumns)[number][1]]>> = {
  billing: addressColumns.map(([suffix, field]) => [`billing_${suffix}`, field]),
  shipping: addressColumns.map(([suffix, field]) => [`shipping_${suffix}`, field]),
};

export const csvColumns: readonly string[] = [
  ...customerColumns.map(([c]) => c),
  'groups',
  ...customerColumnsAfterGroups.map(([c]) => c),
  ...addressColumns.map(([s]) => `billing_${s}`),
  ...addressColumns.map(([s]) => `shipping_${s}`),
  'more_addresses',
  'custom',
];

export type CsvRow = Record<string, string>;

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  return String(value);
}

/** The third line cell holds every line from the third on, joined by newlines, so no line is lost. */
function addressCells(cells: string[], address: Address | undefined): void {
  for (const [, field] of addressColumns) {
    let value: unknown;
    if (!address) value = undefined;
    else if (field === 'line1') value = address.lines[0];
    else if (field === 'line2') value = address.lines[1];
    else if (field === 'line3') value = address.lines.length > 2 ? address.lines.slice(2).join('\n') : undefined;
    else value = address[field];
    cells.push(cell(value));
  }
}

/** A record's cells in the order of {@link csvColumns}: what a CSV row is written from, without a row object. */
export function customerCells(customer: Customer): string[] {
  const cells: string[] = [];
  for (const [, field] of customerColumns) cells.push(cell(customer[field]));
  cells.push(customer.groups.join(';'));
  for (const [, field] of customerColumnsAfterGroups) cells.push(cell(customer[field]));
  const billing = customer.addresses.find((a) => a.kind === 'billing' && a.isDefault);
  const shipping = customer.addresses.find((a) => a.kind === 'shipping' && a.isDefault);
  addressCells(cells, billing);
  addressCells(cells, shipping);
  const more = customer.addresses.filter((a) => a !== billing && a !== shipping);
  cells.push(more.length ? JSON.stringify(more) : '');
  cells.push(Object.keys(customer.custom).length ? JSON.stringify(customer.custom) : '');
  return cells;
}

export function customerToRow(customer: Customer): CsvRow {
  const cells = customerCells(customer);
  const row: CsvRow = {};
  csvColumns.forEach((column, i) => (row[column] = cells[i]));
  return row;
}

/** A cell that cannot be read; the reader adds the line number. */
export class CellError extends Error {
  constructor(readonly column: string, message: string) {
    super(message);
  }
}

function parseScalar(column: string, value: string, type: Scalar): string | number | boolean | undefined {
  if (value.trim() === '') return undefined;
  if (type === 'text') return value;
  if (type === 'number') {
    const n = Number(value);
    if (Number.isNaN(n)) throw new CellError(column, `"${value}" is not a number`);
    return n;
  }
  const lower = value.trim().toLowerCase();
  if (['true', 'yes', '1', 'y'].includes(lower)) return true;
  if (['false', 'no', '0', 'n'].includes(lower)) return false;
  throw new CellError(column, `"${value}" is not true or false`);
}

function unflattenAddress(row: CsvRow, kind: AddressKind): AddressDraft | undefined {
  const draft: Record<string, unknown> = { kind, isDefault: true };
  const lineCells = ['', '', ''];
  let any = false;
  for (const [column, field] of addressColumnNames[kind]) {
    const value = row[column] ?? '';
    if (value === '') continue;
    any = true;
    if (field === 'line1') lineCells[0] = value;
    else if (field === 'line2') lineCells[1] = value;
    else if (field === 'line3') lineCells[2] = value;
    else draft[field] = value;
  }
  if (!any) return undefined;
  draft.lines = [lineCells[0], lineCells[1], ...lineCells[2].split('\n')];
  return draft as AddressDraft;
}

const MoreAddressesSchema = z.array(AddressSchema);
const CustomSchema = z.record(z.string(), z.string());

function parseJsonCell<S extends z.ZodType>(column: string, value: string, schema: S, what: string): z.infer<S> | undefined {
  if (value.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new CellError(column, `is not valid JSON (${what})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CellError(column, `${issue.path.join('.') || what}: ${issue.message}`);
  }
  return parsed.data;
}

/** Every bad cell of a CSV row, each naming its column; the reader adds the line. */
export class CellErrors extends Error {
  constructor(
    readonly cells: CellError[],
    /** The row's valid cells as a record (keyed by the line when the key cell is bad): a stand-in for messages. */
    readonly partial: Customer,
  ) {
    super(cells.map((cell) => `column ${cell.column}: ${cell.message}`).join('; '));
  }
}

export interface RowOptions {
  /** Hold the email to the form a target takes (records about to be sent). */
  checkEmail?: boolean;
  /** The stand-in key when the key cell itself is bad, e.g. `line 4`. */
  fallbackKey?: string;
}

/** A CSV row (already unguarded) to a canonical customer; bad cells throw {@link CellErrors} naming every bad column. */
export function rowToCustomer(row: CsvRow, options: RowOptions = {}): Customer {
  const draft: Record<string, unknown> = {};
  const bad: CellError[] = [];
  const attempt = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof CellError)) throw error;
      bad.push(error);
      return undefined;
    }
  };
  for (const [column, field, type] of [...customerColumns, ...customerColumnsAfterGroups]) {
    const value = attempt(() => parseScalar(column, row[column] ?? '', type));
    if (value !== undefined) draft[field] = value;
  }
  if (row.key === undefined) {
    // A file without a `key` column (a hand-made list): the email is the key (SPEC section 3).
    if (typeof draft.email === 'string' && draft.email.trim() !== '') draft.key = draft.email.trim();
    else {
      // The email is the only fault to name: the stand-in key keeps "key" out of the reason.
      draft.key = options.fallbackKey ?? '(no key)';
      if (!bad.some((cell) => cell.column === 'email')) bad.push(new CellError('email', 'is empty, and in a file without a "key" column the email is the key'));
    }
  }
  draft.groups = (row.groups ?? '').split(';');
  const addresses: AddressDraft[] = [];
  const billing = unflattenAddress(row, 'billing');
  const shipping = unflattenAddress(row, 'shipping');
  if (billing) addresses.push(billing);
  if (shipping) addresses.push(shipping);
  addresses.push(...(attempt(() => parseJsonCell('more_addresses', row.more_addresses ?? '', MoreAddressesSchema, 'a JSON array of addresses')) ?? []));
  draft.addresses = addresses;
  draft.custom = attempt(() => parseJsonCell('custom', row.custom ?? '', CustomSchema, 'a JSON object of strings')) ?? {};
  const { customer, problems } = checkDraft(draft, options.fallbackKey ?? (row.key || '(no key)'));
  for (const problem of problems) bad.push(new CellError(columnOf(problem.field), problem.message));
  const email = options.checkEmail ? emailProblem(customer.email) : undefined;
  if (email) bad.push(new CellError('email', email.message));
  if (bad.length === 0) return customer;
  // In the order of the columns, as a user reads the row.
  bad.sort((a, b) => csvColumns.indexOf(a.column) - csvColumns.indexOf(b.column));
  throw new CellErrors(bad, customer);
}

/** A column's place in the header, or -1. */
type Place = number;

/**
 * Rows of one file to customers, the common valid row without the detours of
 * {@link rowToCustomer}: cells are read by their place in the header (no row
 * object), scalars parsed inline, a `custom` cell of plain strings taken as
 * parsed, and the draft checked once by `parseCustomer` (which checks the
 * common case by hand). A row it cannot vouch for (any bad cell, any doubt)
 * gets `undefined`: the caller then takes {@link rowToCustomer}, which
 * decides and names every bad column, so messages do not change.
 */
export function leanRowReader(header: readonly string[], options: Pick<RowOptions, 'checkEmail'> = {}): (cells: readonly string[]) => Customer | undefined {
  const placeOf = (column: string): Place => header.indexOf(column);
  const scalars = [...customerColumns, ...customerColumnsAfterGroups].map(([column, field, type]) => ({ place: placeOf(column), field, type }));
  const address = (kind: AddressKind) => addressColumnNames[kind].map(([column, field]) => ({ place: placeOf(column), field }));
  const billing = address('billing');
  const shipping = address('shipping');
  const hasKey = header.includes('key');
  const groupsAt = placeOf('groups');
  const moreAt = placeOf('more_addresses');
  const customAt = placeOf('custom');
  const cellAt = (cells: readonly string[], place: Place): string => (place < 0 ? '' : unguardCell(cells[place] ?? ''));
  const readAddress = (cells: readonly string[], kind: AddressKind, columns: typeof billing): AddressDraft | undefined => {
    let draft: Record<string, unknown> | undefined;
    let line1 = '';
    let line2 = '';
    let line3 = '';
    for (const { place, field } of columns) {
      const value = cellAt(cells, place);
      if (value === '') continue;
      draft ??= { kind, isDefault: true };
      if (field === 'line1') line1 = value;
      else if (field === 'line2') line2 = value;
      else if (field === 'line3') line3 = value;
      else draft[field] = value;
    }
    if (!draft) return undefined;
    draft.lines = [line1, line2, ...line3.split('\n')];
    return draft as AddressDraft;
  };
  return (cells) => {
    const draft: Record<string, unknown> = {};
    for (const { place, field, type } of scalars) {
      const value = cellAt(cells, place);
      if (value === '' || value.trim() === '') continue;
      if (type === 'text') draft[field] = value;
      else if (type === 'number') {
        const n = Number(value);
        if (Number.isNaN(n)) return undefined;
        draft[field] = n;
      } else {
        const lower = value.trim().toLowerCase();
        if (lower === 'true' || lower === 'yes' || lower === '1' || lower === 'y') draft[field] = true;
        else if (lower === 'false' || lower === 'no' || lower === '0' || lower === 'n') draft[field] = false;
        else return undefined;
      }
    }
    if (!hasKey) {
      if (typeof draft.email !== 'string' || draft.email.trim() === '') return undefined;
      draft.key = draft.email.trim();
    }
    draft.groups = cellAt(cells, groupsAt).split(';');
    const addresses: AddressDraft[] = [];
    const billingDraft = readAddress(cells, 'billing', billing);
    const shippingDraft = readAddress(cells, 'shipping', shipping);
    if (billingDraft) addresses.push(billingDraft);
    if (shippingDraft) addresses.push(shippingDraft);
    const more = cellAt(cells, moreAt);
    if (more.trim() !== '') {
      let parsed;
      try {
        parsed = MoreAddressesSchema.safeParse(JSON.parse(more));
      } catch {
        return undefined;
      }
      if (!parsed.success) return undefined;
      addresses.push(...parsed.data);
    }
    draft.addresses = addresses;
    draft.custom = {};
    const custom = cellAt(cells, customAt);
    if (custom.trim() !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(custom);
      } catch {
        return undefined;
      }
      // What the schema would return as it is; anything else (and `__proto__`, which a copy would not keep) goes to it.
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.hasOwn(parsed, '__proto__')) return undefined;
      for (const value of Object.values(parsed)) if (typeof value !== 'string') return undefined;
      draft.custom = parsed;
    }
    let customer: Customer;
    try {
      customer = parseCustomer(draft as CustomerDraft);
    } catch {
      return undefined;
    }
    if (options.checkEmail && emailProblem(customer.email)) return undefined;
    return customer;
  };
}

/** The CSV column that holds a canonical field, for messages. */
export function columnOf(field: string): string {
  const found = [...customerColumns, ...customerColumnsAfterGroups].find(([, f]) => f === field);
  if (found) return found[0];
  if (field === 'addresses') return 'more_addresses';
  return field;
}

/** Columns accepted on input and ignored: `reason` of a rejects file, so it can be pushed again. */
const ignoredColumns = ['reason'];

export function assertKnownColumns(header: string[], ignoreUnknown: boolean): void {
  const unknown = header.filter((column) => !csvColumns.includes(column) && !ignoredColumns.includes(column));
  if (unknown.length > 0 && !ignoreUnknown) {
    throw new UserError(
      `unknown CSV column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ')}`,
      'rename it to a canonical column (see README, "CSV columns"), or pass --ignore-unknown-columns',
    );
  }
  if (!header.includes('key') && !header.includes('email')) {
    throw new UserError('the CSV has neither a "key" nor an "email" column', 'every record needs its key: the source system\'s primary key, or else its email');
  }
  const repeated = header.filter((column, i) => csvColumns.includes(column) && header.indexOf(column) !== i);
  if (repeated.length > 0) {
    throw new UserError(`the CSV header has column "${repeated[0]}" more than once`, 'keep one column of each name: which one holds the value is not knowable');
  }
}

