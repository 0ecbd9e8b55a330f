import type { Dialect } from '../../core/dialect.js';
import { readJsonl } from '../../io/jsonl.js';
import { writeChunk } from '../../io/streams.js';
import { readFile, writeFile } from '../file-target.js';

/** `jsonl:PATH`: one canonical customer object a line. */
export const jsonlDialect: Dialect = {
  id: 'jsonl',
  title: 'JSON Lines file of canonical customers (jsonl:PATH)',
  kind: 'file',
  read: (ctx, query) =>
    readFile(ctx, query, (input, name) => readJsonl(input, name, { ignoreUnknownColumns: ctx.file.ignoreUnknownColumns, rejectInvalid: ctx.file.rejectInvalid })),
  write: (ctx, records, options) =>
    writeFile(
      ctx,
      records,
      (output) => ({
        write: (record) => writeChunk(output, `${JSON.stringify(record)}\n`),
        end: async () => undefined,
      }),
      { mode: options.mode, read: (input, name) => readJsonl(input, name) },
    ),
};
