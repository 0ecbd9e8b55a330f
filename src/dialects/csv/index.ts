import type { Dialect } from '../../core/dialect.js';
import { CsvWriter, readCsv } from '../../io/csv.js';
import { customerToRow, rowToCustomer } from '../../io/csv-columns.js';
import { readFile, writeFile } from '../file-target.js';

/** `csv:PATH`: the canonical record flattened to the columns of SPEC section 3. */
export const csvDialect: Dialect = {
  id: 'csv',
  title: 'CSV file in the canonical columns (csv:PATH, or - for stdin/stdout)',
  kind: 'file',
  // What a CSV file holds of a record: exactly what survives its columns (no `source`, no `passwordHash`).
  project: (record) => rowToCustomer(customerToRow(record)),
  read: (ctx, query) =>
    readFile(ctx, query, (input, name) =>
      readCsv(input, { name, ignoreUnknownColumns: ctx.file.ignoreUnknownColumns, encoding: ctx.file.encoding, delimiter: ctx.file.delimiter, onNote: (text) => ctx.log.info(text) }),
    ),
  write: (ctx, records) =>
    writeFile(ctx, records, (output) => {
      const writer = new CsvWriter(output, { raw: ctx.file.rawCsv });
      return { write: (record) => writer.write(record), end: () => writer.end() };
    }),
};
