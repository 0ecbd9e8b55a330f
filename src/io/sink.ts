import type { Customer } from '../core/customer.js';
import { UserError } from '../core/errors.js';
import type { RecordSink } from '../core/pull.js';
import { CsvWriter } from './csv.js';
import { columnOf, csvColumns } from './csv-columns.js';
import { finish, openOutput, writeChunk } from './streams.js';
import { CustomerSchema } from '../core/customer.js';

/**
 * The output of `pull` and `search`: CSV (canonical columns, or the subset
 * `--fields` names), JSONL, or one JSON array; to a file or stdout.
 */
export interface SinkOptions {
  path?: string;
  format: 'csv' | 'jsonl' | 'json';
  fields?: string;
  rawCsv?: boolean;
  stdout?: NodeJS.WritableStream;
}

const canonicalFields = Object.keys(CustomerSchema.shape);

/** `addresses` in a CSV `--fields` list means every address column, as it does in JSON. */
const addressColumnList = csvColumns.filter((column) => /^(billing|shipping)_/.test(column) || column === 'more_addresses');

function csvFields(list: string): string[] {
  return list.split(',').flatMap((name) => {
    const trimmed = name.trim();
    if (trimmed === 'addresses') return addressColumnList;
    const column = csvColumns.includes(trimmed) ? trimmed : columnOf(trimmed);
    if (!csvColumns.includes(column)) throw new UserError(`--fields: unknown field "${trimmed}"`, `CSV columns: ${csvColumns.join(', ')}`);
    return column;
  });
}

function jsonFields(list: string): string[] {
  return list.split(',').map((name) => {
    const trimmed = name.trim();
    const camel = trimmed.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!canonicalFields.includes(camel)) throw new UserError(`--fields: unknown field "${trimmed}"`, `fields: ${canonicalFields.join(', ')}`);
    return camel;
  });
}

function pick(record: Customer, fields: string[] | undefined): unknown {
  if (!fields) return record;
  const source = record as Record<string, unknown>;
  return Object.fromEntries(fields.filter((f) => source[f] !== undefined).map((f) => [f, source[f]]));
}

export async function openSink(options: SinkOptions): Promise<RecordSink> {
  // Check --fields before a file is created or anything is read.
  const csvColumnList = options.format === 'csv' && options.fields ? csvFields(options.fields) : undefined;
  const jsonFieldList = options.format !== 'csv' && options.fields ? jsonFields(options.fields) : undefined;
  const output = options.path ? await openOutput(options.path) : (options.stdout ?? process.stdout);
  if (options.format === 'csv') {
    const writer = new CsvWriter(output, { raw: options.rawCsv, columns: csvColumnList });
    return {
      write: (record) => writer.write(record),
      async end() {
        await writer.end();
        await finish(output);
      },
    };
  }
  if (options.format === 'jsonl') {
    return {
      write: (record) => writeChunk(output, `${JSON.stringify(pick(record, jsonFieldList))}\n`),
      end: () => finish(output),
    };
  }
  let count = 0;
  await writeChunk(output, '[');
  return {
    async write(record) {
      await writeChunk(output, `${count === 0 ? '\n' : ',\n'}${JSON.stringify(pick(record, jsonFieldList))}`);
      count += 1;
    },
    async end() {
      await writeChunk(output, count === 0 ? ']\n' : '\n]\n');
      await finish(output);
    },
  };
}
