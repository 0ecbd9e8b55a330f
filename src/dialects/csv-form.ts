import { z } from 'zod';
import { parseCustomer, type Address, type Customer, type CustomerDraft } from '../core/customer.js';
import type { Dialect, DialectContext, WriteResult } from '../core/dialect.js';
import { UserError } from '../core/errors.js';
import { lostFields } from '../core/migrate/hash.js';
import { markInvalid } from '../core/invalid-input.js';
import { CellError } from '../io/csv-columns.js';
import { CsvPartsWriter, type CsvPart } from '../io/csv-parts.js';
import { csvSyntaxError, openCsvParser, type CsvRecord } from '../io/csv-text.js';
import { unguardCell } from '../io/formula.js';
import { CsvError } from 'csv-parse';
import type { Logger } from '../ui/logger.js';
import { filePath, readFile } from './file-target.js';

/**
 * What the platforms' customer spreadsheets (Shopify, WooCommerce,
 * Matrixify) share as dialects: a fixed header written, headers recognised
 * by column name (never by position), rows ⇄ canonical records through the
 * form's mapping, formula-safe cells, and output split by `--max-bytes`.
 * Each form is a folder (`src/dialects/shopify-csv/` …) whose `index.ts`
 * calls {@link formDialect} with its {@link CsvForm}.
 */

/** One row: header column → cell (unguarded, as typed). */
export type FormRow = Record<string, string>;

export interface FormContext {
  /** Where the records are read from (for `source.profile`). */
  profileName: string;
  /** The key to give a record whose rows carry none (projections only: a file read needs a key). */
  fallbackKey?: string;
}

/** A platform's customer spreadsheet. The mapping functions are pure. */
export interface CsvForm {
  /** The `--format` name: `shopify`. */
  readonly format: string;
  /** For messages: "Shopify customer CSV". */
  readonly label: string;
  /** The header written, in order. */
  readonly columns: readonly string[];
  /** The platform refuses import files larger than this: writing one warns. */
  readonly importLimit?: { bytes: number; says: string };
  /** A column of this form (a field it reads, or one it knows and leaves out). */
  knows(column: string): boolean;
  /** A column only this form has among the forms custsync reads: recognising a header without a prefix. */
  marks(column: string): boolean;
  /** Columns the form does not know are kept in `custom` (WooCommerce), instead of refused. */
  readonly keepsUnknown?: boolean;
  /** Rows of one customer share this (Matrixify: the ID, else the email); undefined: a row of its own. */
  groupOf?(row: FormRow): string | undefined;
  /** One customer's rows → canonical. A bad cell throws CellError naming its column. */
  toCustomer(rows: FormRow[], context: FormContext): Customer;
  /** A record as rows of this form: one, or one per address. */
  toRows(record: Customer): FormRow[];
  /** Advice for a column the form does not know (e.g. Shopify's case-sensitive headers). */
  hintFor?(column: string): string | undefined;
}

export interface FormDialect extends Dialect {
  readonly form: CsvForm;
}

export function isFormDialect(dialect: Dialect): dialect is FormDialect {
  return 'form' in dialect;
}

export function formDialect(id: string, title: string, form: CsvForm): FormDialect {
  return {
    id,
    title,
    kind: 'file',
    form,
    project: (record, ctx) => projectThrough(form, record, ctx.profileName),
    read: (ctx, query) =>
      readFile(ctx, query, (input, name) =>
        readForm(form, input, {
          name,
          profileName: ctx.profileName,
          encoding: ctx.file.encoding,
          delimiter: ctx.file.delimiter,
          ignoreUnknownColumns: ctx.file.ignoreUnknownColumns,
          rejectInvalid: ctx.file.rejectInvalid,
          log: ctx.log,
        }),
      ),
    write: (ctx, records) => writeForm(form, ctx, records),
  };
}

/** A record as the form holds it: written as rows and read back; key and source stay the record's own. */
export function projectThrough(form: CsvForm, record: Customer, profileName: string): Customer {
  const back = form.toCustomer(form.toRows(record), { profileName, fallbackKey: record.key });
  const projected: Customer = { ...back, key: record.key };
  delete projected.source;
  if (record.source) projected.source = record.source;
  return projected;
}

/**
 * Normalises and validates a draft built from rows; a field that does not
 * validate is reported in the form's column (`columnOf`), as a CellError.
 */
export function parseFormDraft(draft: CustomerDraft, columnOf: (field: string) => string): Customer {
  try {
    return parseCustomer(draft);
  } catch (error) {
    if (error instanceof z.ZodError) {
      const issue = error.issues[0];
      throw new CellError(columnOf(String(issue.path[0] ?? '')), issue.message);
    }
    throw error;
  }
}

/** An address is kept only when it says where: a street line, city, postcode, region or country (a company alone is the customer's). */
export function hasPlace(address: Partial<Address>): boolean {
  return (
    (address.lines ?? []).some((line) => line.trim() !== '') ||
    [address.city, address.postcode, address.region, address.regionCode, address.country, address.countryCode].some((v) => v !== undefined && v.trim() !== '')
  );
}

interface ReadOptions {
  name: string;
  profileName: string;
  encoding?: DialectContext['file']['encoding'];
  delimiter?: string;
  ignoreUnknownColumns: boolean;
  /** A row whose cells do not validate becomes a marked stand-in record (rejected by push and migrate), not exit 2. */
  rejectInvalid?: boolean;
  log: Logger;
}

/** The header as the form reads it: which cells to keep. Unknown columns are exit 2 unless kept or ignored. */
function checkHeader(form: CsvForm, header: string[], options: ReadOptions): boolean[] {
  const repeated = header.find((column, i) => column !== '' && header.indexOf(column) !== i);
  if (repeated !== undefined) {
    throw new UserError(`${options.name}: the header has column "${repeated}" more than once`, 'keep one column of each name: which one holds the value is not knowable');
  }
  // Spreadsheets leave empty header cells after the last column: those hold nothing.
  const unknown = header.filter((column) => column !== '' && !form.knows(column));
  if (unknown.length > 0 && !form.keepsUnknown && !options.ignoreUnknownColumns) {
    const hints = unknown.map((column) => form.hintFor?.(column)).filter((hint): hint is string => hint !== undefined);
    throw new UserError(
      `${options.name}: the ${form.label} has no column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ')}`,
      [...hints, 'rename it, or pass --ignore-unknown-columns to leave it out (docs/formats.md lists the columns)'].join('; '),
    );
  }
  return header.map((column) => column !== '' && (form.keepsUnknown || form.knows(column)));
}

/** Reads a form's rows and yields one customer per row (per group of rows, for Matrixify). */
export async function* readForm(form: CsvForm, input: NodeJS.ReadableStream, options: ReadOptions): AsyncGenerator<Customer> {
  const { parser } = await openCsvParser(input, { ...options, onNote: (text) => options.log.info(text) });
  let header: string[] | undefined;
  let keep: boolean[] = [];
  let group: { id: string | undefined; rows: FormRow[]; line: number } | undefined;
  const convert = (done: NonNullable<typeof group>): Customer => {
    try {
      return form.toCustomer(done.rows, { profileName: options.profileName });
    } catch (error) {
      if (!(error instanceof CellError)) throw error;
      const reason = `${options.name}: line ${done.line}, column ${error.column}: ${error.message}`;
      if (!options.rejectInvalid) throw new UserError(reason, 'fix the cell and run again');
      // SPEC section 6: this customer is rejected with the reason, the rest of the file is sent.
      const email = done.rows.map((row) => row.Email ?? row.email).find((cell) => cell !== undefined && cell.trim() !== '');
      return markInvalid(parseCustomer({ key: `line ${done.line}`, ...(email ? { email: email.trim() } : {}) }), { reason });
    }
  };
  try {
    for await (const { record, info } of parser as AsyncIterable<CsvRecord>) {
      if (!header) {
        header = record.map((cell) => cell.trim());
        keep = checkHeader(form, header, options);
        continue;
      }
      const row: FormRow = {};
      header.forEach((column, i) => {
        if (keep[i]) row[column] = unguardCell(record[i] ?? '');
      });
      const id = form.groupOf?.(row);
      if (group && id !== undefined && id === group.id) {
        group.rows.push(row);
        continue;
      }
      if (group) yield convert(group);
      group = { id, rows: [row], line: info.lines };
    }
    if (group) yield convert(group);
  } catch (error) {
    if (error instanceof CsvError) throw csvSyntaxError(error, options.name);
    throw error;
  } finally {
    parser.destroy();
  }
}

export interface FormOutputOptions {
  /** A file; undefined writes to `stream` (stdout). */
  path?: string;
  stream?: NodeJS.WritableStream;
  raw: boolean;
  maxBytes?: number;
  /** Replace files that exist (`--force`). */
  force?: boolean;
  log: Logger;
  /** Count and report what the form cannot hold (pull and search: nothing else reports it). */
  noteLost?: boolean;
}

/** Rows of a form written to a file or stdout, split at `--max-bytes`, with the notes a user needs at the end. */
export class FormOutput {
  private readonly lost = new Map<string, number>();

  private constructor(private readonly form: CsvForm, private readonly writer: CsvPartsWriter, private readonly options: FormOutputOptions) {}

  static async open(form: CsvForm, options: FormOutputOptions): Promise<FormOutput> {
    const writer = await CsvPartsWriter.open({ path: options.path, stream: options.stream, columns: form.columns, raw: options.raw, maxBytes: options.maxBytes, force: options.force });
    return new FormOutput(form, writer, options);
  }

  async write(record: Customer): Promise<void> {
    const rows = this.form.toRows(record);
    await this.writer.write(rows.map((row) => this.form.columns.map((column) => row[column] ?? '')));
    if (this.options.noteLost) {
      let stored: Customer | undefined;
      try {
        stored = projectThrough(this.form, record, 'output');
      } catch {
        // What was written cannot be read back as a record (no key): nothing to compare.
      }
      if (stored) for (const field of lostFields(record, stored)) this.lost.set(field, (this.lost.get(field) ?? 0) + 1);
    }
  }

  /** Leaves no file behind: for a run that failed. */
  abort(): Promise<void> {
    return this.writer.abort();
  }

  async end(): Promise<CsvPart[]> {
    const parts = await this.writer.end();
    const { log, maxBytes } = this.options;
    for (const [field, n] of this.lost) log.info(`note: the ${this.form.label} cannot hold ${field} (${n} ${n === 1 ? 'record' : 'records'})`);
    if (parts.length > 1) log.info(`wrote ${parts.length} files of at most ${maxBytes} bytes: ${parts.map((p) => p.path).join(', ')}`);
    for (const part of parts) {
      if (maxBytes !== undefined && part.bytes > maxBytes) log.warn(`${part.path} is ${part.bytes} bytes, more than --max-bytes ${maxBytes}: one customer's rows alone are larger`);
    }
    const limit = this.form.importLimit;
    const over = limit ? parts.filter((p) => p.bytes > limit.bytes) : [];
    for (const part of over) {
      const where = this.options.path === undefined ? 'the output' : part.path;
      const how = this.options.path === undefined ? `write it to a file with -o FILE --max-bytes ${limit!.bytes} to split it` : `split it with --max-bytes ${limit!.bytes}`;
      log.warn(`${where} is ${part.bytes} bytes, more than ${limit!.says}: ${how}`);
    }
    return parts;
  }
}

async function* writeForm(form: CsvForm, ctx: DialectContext, records: AsyncIterable<Customer>): AsyncGenerator<WriteResult> {
  const path = filePath(ctx);
  const output = await FormOutput.open(form, {
    path: path === '-' ? undefined : path,
    stream: ctx.file.stdout,
    raw: ctx.file.rawCsv,
    maxBytes: ctx.file.maxBytes,
    force: ctx.file.force,
    log: ctx.log,
  });
  let complete = false;
  try {
    for await (const record of records) {
      await output.write(record);
      yield { status: 'created', key: record.key, record };
    }
    complete = true;
  } finally {
    // Only a complete file takes its name; a run that stopped leaves the old one (or none).
    if (complete) await output.end();
    else await output.abort();
  }
}
