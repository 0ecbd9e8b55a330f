import type { Customer } from '../core/customer.js';
import type { DialectContext, WriteResult } from '../core/dialect.js';
import { applyQuery, type ReadQuery } from '../core/query.js';
import { finish, openInput, openOutput } from '../io/streams.js';

/**
 * What the two file dialects share: `path` (or `-` for stdin/stdout) from the
 * profile, the query applied on the client, and every written record reported
 * `created` once it is handed to the stream.
 */
export function filePath(ctx: DialectContext): string {
  return ctx.profile.path ?? '-';
}

export async function* readFile(
  ctx: DialectContext,
  query: ReadQuery,
  parse: (input: NodeJS.ReadableStream, name: string) => AsyncIterable<Customer>,
): AsyncGenerator<Customer> {
  const path = filePath(ctx);
  const input = path === '-' ? (ctx.file.stdin ?? process.stdin) : await openInput(path);
  yield* applyQuery(parse(input, path === '-' ? 'stdin' : path), query);
}

export interface RecordSink {
  write(record: Customer): Promise<void>;
  end(): Promise<void>;
}

export async function* writeFile(
  ctx: DialectContext,
  records: AsyncIterable<Customer>,
  open: (output: NodeJS.WritableStream) => RecordSink,
): AsyncGenerator<WriteResult> {
  const path = filePath(ctx);
  const output = path === '-' ? (ctx.file.stdout ?? process.stdout) : await openOutput(path);
  const sink = open(output);
  try {
    for await (const record of records) {
      await sink.write(record);
      yield { status: 'created', key: record.key, record };
    }
  } finally {
    await sink.end();
    await finish(output);
  }
}
