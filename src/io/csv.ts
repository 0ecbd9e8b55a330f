import { stringify } from 'csv-stringify';
import { once } from 'node:events';
import type { Customer } from '../core/customer.js';
import { UserError } from '../core/errors.js';
import { markInvalid } from '../core/invalid-input.js';
import { assertKnownColumns, CellErrors, csvColumns, customerToRow, leanRowReader, rowToCustomer, type CsvRow } from './csv-columns.js';
import { guardCell, unguardCell } from './formula.js';
import { csvRecordBatches, type CsvTextOptions } from './csv-text.js';

/** Streaming CSV of canonical customers (SPEC section 3). */

export interface CsvReadOptions extends CsvTextOptions {
  ignoreUnknownColumns?: boolean;
  /**
   * A row whose cells do not validate is yielded as a stand-in record marked
   * with {@link markInvalid} (push and migrate reject it and send the rest),
   * instead of ending the read with a UserError. A file that is not CSV at
   * all still ends it.
   */
  rejectInvalid?: boolean;
}

/** Reads canonical customers from a CSV stream; a bad line is a UserError naming the line and every bad column. */
export async function* readCsv(input: NodeJS.ReadableStream, options: CsvReadOptions): AsyncGenerator<Customer> {
  // Decoded (--encoding, a byte order mark) and split (--delimiter, or as the header is) there.
  let header: string[] | undefined;
  let lean: ((cells: readonly string[]) => Customer | undefined) | undefined;
  for await (const { records, lines } of csvRecordBatches(input, options)) {
    for (let i = 0; i < records.length; i += 1) {
      const record = records[i];
      if (!header) {
        header = record.map((h) => h.trim());
        assertKnownColumns(header, options.ignoreUnknownColumns ?? false);
        lean = leanRowReader(header, { checkEmail: options.rejectInvalid });
        continue;
      }
      // The common valid row takes the lean way; any other gets the whole check and its message.
      yield lean!(record) ?? checkedRow(header, record, lines[i], options);
    }
  }
}

/** A row through {@link rowToCustomer}: the customer, or the UserError (or marked stand-in) naming the line and every bad column. */
function checkedRow(header: string[], record: string[], line: number, options: CsvReadOptions): Customer {
  const row: CsvRow = {};
  header.forEach((column, i) => {
    row[column] = unguardCell(record[i] ?? '');
  });
  try {
    return rowToCustomer(row, { checkEmail: options.rejectInvalid, fallbackKey: `line ${line}` });
  } catch (error) {
    if (!(error instanceof CellErrors)) throw error;
    const reason = `${options.name}: line ${line}, ${error.message}`;
    if (!options.rejectInvalid) throw new UserError(reason, `fix the cell${error.cells.length > 1 ? 's' : ''} and run again`);
    return markInvalid(error.partial, { reason, raw: { form: 'csv', row } });
  }
}

export interface CsvWriteOptions {
  /** Leave cells as they are instead of guarding spreadsheet formulas. */
  raw?: boolean;
  /** Columns placed before the canonical ones (e.g. `reason` for rejects). */
  leading?: string[];
  /** Only these canonical columns, in this order (`--fields`). */
  columns?: string[];
}

/** A CSV writer over a stream, with backpressure. Write the header with the first row. */
export class CsvWriter {
  private readonly stringifier;
  private readonly columns: string[];

  constructor(private readonly output: NodeJS.WritableStream, private readonly options: CsvWriteOptions = {}) {
    this.columns = [...(options.leading ?? []), ...(options.columns ?? csvColumns)];
    this.stringifier = stringify({ header: true, columns: this.columns, eof: true, record_delimiter: 'unix' });
    this.stringifier.pipe(output, { end: false });
  }

  async write(customer: Customer, leading: Record<string, string> = {}): Promise<void> {
    await this.writeRow({ ...leading, ...customerToRow(customer) });
  }

  /** A row of cells by column, as read from a file (a rejected line is written back as it was). */
  async writeRow(row: CsvRow): Promise<void> {
    const cells = this.columns.map((column) => {
      const value = row[column] ?? '';
      return this.options.raw ? value : guardCell(value);
    });
    if (!this.stringifier.write(cells)) await once(this.stringifier, 'drain');
  }

  /** Flushes; writes the header even when there were no rows. */
  async end(): Promise<void> {
    const done = once(this.stringifier, 'end');
    this.stringifier.end();
    await done;
  }
}

export async function writeCsv(records: AsyncIterable<Customer>, output: NodeJS.WritableStream, options: CsvWriteOptions = {}): Promise<number> {
  const writer = new CsvWriter(output, options);
  let count = 0;
  for await (const record of records) {
    await writer.write(record);
    count += 1;
  }
  await writer.end();
  return count;
}
