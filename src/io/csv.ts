import { stringify as stringifyRows } from 'csv-stringify/sync';
import type { Customer } from '../core/customer.js';
import { UserError } from '../core/errors.js';
import { markInvalid } from '../core/invalid-input.js';
import { assertKnownColumns, CellErrors, csvColumns, customerCells, customerToRow, leanRowReader, rowToCustomer, type CsvRow } from './csv-columns.js';
import { guardCell, unguardCell } from './formula.js';
import { csvRecordBatches, type CsvTextOptions } from './csv-text.js';
import { ChunkedWriter } from './chunked-writer.js';

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

/** Rows stringified together: one call of csv-stringify's sync form per batch instead of a stream write per row. */
const batchRows = 64;

/**
 * A CSV writer over a stream, with backpressure. Write the header with the
 * first row. Rows are stringified in batches and written in chunks (a stream
 * write and an await per row cost more than the row's own work), so call
 * {@link flush} or {@link end} before the stream ends.
 */
export class CsvWriter {
  private readonly columns: readonly string[];
  private readonly chunks: ChunkedWriter;
  private rows: string[][] = [];
  private headerWritten = false;

  constructor(output: NodeJS.WritableStream, private readonly options: CsvWriteOptions = {}) {
    this.columns = options.leading || options.columns ? [...(options.leading ?? []), ...(options.columns ?? csvColumns)] : csvColumns;
    this.chunks = new ChunkedWriter(output);
  }

  async write(customer: Customer, leading?: Record<string, string>): Promise<void> {
    // The common case (all canonical columns, nothing before them) goes straight from the record to its cells.
    if (leading === undefined && this.columns === csvColumns) return this.writeCells(customerCells(customer));
    await this.writeRow({ ...leading, ...customerToRow(customer) });
  }

  /** A row of cells by column, as read from a file (a rejected line is written back as it was). */
  async writeRow(row: CsvRow): Promise<void> {
    await this.writeCells(this.columns.map((column) => row[column] ?? ''));
  }

  private async writeCells(cells: string[]): Promise<void> {
    if (!this.options.raw) for (let i = 0; i < cells.length; i += 1) cells[i] = guardCell(cells[i]);
    this.rows.push(cells);
    // The header and the first row go out at once: a slow pull shows in its file from its first page.
    if (this.rows.length >= batchRows || !this.headerWritten) await this.flush();
  }

  private async writeRows(): Promise<void> {
    if (this.rows.length === 0 && this.headerWritten) return;
    const text = stringifyRows(this.rows, { header: !this.headerWritten, columns: this.columns, eof: true, record_delimiter: 'unix' });
    this.headerWritten = true;
    this.rows = [];
    await this.chunks.write(text);
  }

  /** Hands every row written so far to the stream (with the header when there was a row). */
  async flush(): Promise<void> {
    if (this.rows.length > 0) await this.writeRows();
    await this.chunks.flush();
  }

  /** Flushes; writes the header even when there were no rows. */
  async end(): Promise<void> {
    await this.writeRows();
    await this.chunks.flush();
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
