import type { Customer } from '../../core/customer.js';
import type { Dialect } from '../../core/dialect.js';
import { CsvWriter, readCsv } from '../../io/csv.js';
import { customerToRow, rowToCustomer } from '../../io/csv-columns.js';
import { readFile, writeFile } from '../file-target.js';

// What a CSV file holds of a record: exactly what survives its columns (no `source`, no `passwordHash`).
const project = (record: Customer): Customer => rowToCustomer(customerToRow(record));

/** `csv:PATH`: the canonical record flattened to the columns of SPEC section 3. */
export const csvDialect: Dialect = {
  id: 'csv',
  title: 'CSV file in the canonical columns (csv:PATH, or - for stdin/stdout)',
  kind: 'file',
  project,
  read: (ctx, query) =>
    readFile(ctx, query, (input, name) =>
      readCsv(input, {
        name,
        ignoreUnknownColumns: ctx.file.ignoreUnknownColumns,
        rejectInvalid: ctx.file.rejectInvalid,
        encoding: ctx.file.encoding,
        delimiter: ctx.file.delimiter,
        onNote: (text) => ctx.log.info(text),
      }),
    ),
  write: (ctx, records, options) =>
    writeFile(
      ctx,
      records,
      (output) => {
        const writer = new CsvWriter(output, { raw: ctx.file.rawCsv });
        return { write: (record) => writer.write(record), end: () => writer.end() };
      },
      { mode: options.mode, read: (input, name) => readCsv(input, { name }), project },
    ),
};
