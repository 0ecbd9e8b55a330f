import type { Dialect } from '../../core/dialect.js';
import { readJsonl } from '../../io/jsonl.js';
import { writeChunk } from '../../io/streams.js';
import { readFile, writeFile } from '../file-target.js';

/** `jsonl:PATH`: one canonical customer object a line. */
export const jsonlDialect: Dialect = {
  id: 'jsonl',
  title: 'JSON Lines file of canonical customers (jsonl:PATH)',
  kind: 'file',
  read: (ctx, query) => readFile(ctx, query, readJsonl),
  write: (ctx, records) =>
    writeFile(ctx, records, (output) => ({
      write: (record) => writeChunk(output, `${JSON.stringify(record)}\n`),
      end: async () => undefined,
    })),
};
