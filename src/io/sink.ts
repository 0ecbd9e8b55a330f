import type { Customer } from '../core/customer.js';
import { UserError } from '../core/errors.js';
import type { RecordSink } from '../core/pull.js';
import { CsvWriter } from './csv.js';
import { columnOf, csvColumns } from './csv-columns.js';
import { openOutputFile } from './atomic-file.js';
import { ChunkedWriter } from './chunked-writer.js';
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
  /** Replace `path` when it exists (`--force`). */
  force?: boolean;
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
  // A file is written under a temporary name and gets its own only once complete.
  const file = options.path ? await openOutputFile(options.path, { force: options.force }) : undefined;
  const output = file?.stream ?? options.stdout ?? process.stdout;
  // Lines are written in chunks, not one write per record (the chunk is flushed before the end).
  const chunked: ChunkedWriter | undefined = options.format === 'csv' ? undefined : new ChunkedWriter(output);
  const done = async () => {
    if (file) await file.commit();
  };
  const abort = async () => {
    if (file) await file.abort();
    // On stdout, what was read before the failure is shown, as it was before the lines were chunked.
    else await chunked?.flush().catch(() => undefined);
  };
  if (options.format === 'csv') {
    const writer = new CsvWriter(output, { raw: options.rawCsv, columns: csvColumnList });
    return {
      write: (record) => writer.write(record),
      async end() {
        await writer.end();
        await done();
      },
      async abort() {
        if (!file) await writer.flush().catch(() => undefined);
        await abort();
      },
    };
  }
  const lines = chunked!;
  if (options.format === 'jsonl') {
    return {
      write: (record) => lines.write(`${JSON.stringify(pick(record, jsonFieldList))}\n`),
      async end() {
        await lines.flush();
        await done();
      },
      abort,
    };
  }
  let count = 0;
  let opened = false;
  return {
    async write(record) {
      // The opening bracket goes with the first record (or the end), so a read that fails first leaves nothing on stdout.
      await lines.write(`${opened ? ',\n' : '[\n'}${JSON.stringify(pick(record, jsonFieldList))}`);
      opened = true;
      count += 1;
    },
    async end() {
      await lines.write(count === 0 ? '[]\n' : '\n]\n');
      await lines.flush();
      await done();
    },
    abort,
  };
}
