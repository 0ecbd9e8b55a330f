import { statSync } from 'node:fs';
import type { Customer } from '../core/customer.js';
import type { DialectContext, WriteMode, WriteResult } from '../core/dialect.js';
import { UserError } from '../core/errors.js';
import { applyQuery, type ReadQuery } from '../core/query.js';
import { stableStringify } from '../core/stable-json.js';
import { openOutputFile } from '../io/atomic-file.js';
import { KeyedSpool } from '../io/keyed-spool.js';
import { finish, openInput } from '../io/streams.js';

/**
 * What the file dialects share: `path` (or `-` for stdin/stdout) from the
 * profile, the query applied on the client, and the rules for writing a file
 * target (issue "nothing overwritten without asking"):
 * - the file is written under a temporary name and gets its own only when
 *   every record is in it, so a run that stops leaves no half file;
 * - a file that exists is replaced only with `--force`
 *   (`ctx.file.force`), or, with an explicit `--mode` (`ctx.file.mergeExisting`),
 *   updated by key: a record whose key the file has replaces it (`updated`, or
 *   `unchanged` when it would store the same), a new key is added at the end
 *   (`created`), as `--mode` allows; the file's other records stay.
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

/** How a file form reads back what it wrote, for updating a file that exists by key. */
export interface FileForm {
  mode: WriteMode;
  /** Reads the existing file strictly (a bad line or an unknown column is exit 2: rewriting it would lose data). */
  read?: (input: NodeJS.ReadableStream, name: string) => AsyncIterable<Customer>;
  /** What the form keeps of a record (CSV: what survives its columns), to tell `unchanged` from `updated`. */
  project?: (record: Customer) => Customer;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export async function* writeFile(
  ctx: DialectContext,
  records: AsyncIterable<Customer>,
  open: (output: NodeJS.WritableStream) => RecordSink,
  form: FileForm = { mode: 'upsert' },
): AsyncGenerator<WriteResult> {
  const path = filePath(ctx);
  if (path === '-') {
    yield* writeStream(ctx.file.stdout ?? process.stdout, records, open);
    return;
  }
  if (ctx.file.mergeExisting && isFile(path)) {
    yield* updateByKey(ctx, path, records, open, form);
    return;
  }
  const file = await openOutputFile(path, {
    what: 'target file',
    force: ctx.file.force,
    existsHint: 'pass --force to replace it, or --mode upsert|create|update to update it by key',
  });
  const sink = open(file.stream);
  let complete = false;
  try {
    for await (const record of records) {
      if (form.mode === 'update') {
        yield { status: 'rejected', key: record.key, reason: `not found in ${path} (--mode update)`, record };
        continue;
      }
      await sink.write(record);
      yield { status: 'created', key: record.key, record };
    }
    complete = true;
  } finally {
    if (complete) {
      await sink.end();
      await file.commit();
    } else {
      await file.abort();
    }
  }
}

async function* writeStream(output: NodeJS.WritableStream, records: AsyncIterable<Customer>, open: (output: NodeJS.WritableStream) => RecordSink): AsyncGenerator<WriteResult> {
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

async function* updateByKey(
  ctx: DialectContext,
  path: string,
  records: AsyncIterable<Customer>,
  open: (output: NodeJS.WritableStream) => RecordSink,
  form: FileForm,
): AsyncGenerator<WriteResult> {
  if (!form.read) throw new UserError(`target file ${path} exists, and this form cannot be updated by key`, 'pass --force to replace it');
  const spool = new KeyedSpool();
  try {
    for await (const record of form.read(await openInput(path, 'target file'), path)) spool.append(record);
    const project = form.project ?? ((record: Customer) => record);
    for await (const record of records) {
      const found = spool.find(record.key);
      if (found && form.mode === 'create') {
        yield { status: 'rejected', key: record.key, reason: `key ${record.key} exists in ${path} (--mode create)`, record };
      } else if (found) {
        const same = stableStringify(project(record)) === stableStringify(project(found.record));
        if (!same) spool.replace(found.seq, record);
        yield { status: same ? 'unchanged' : 'updated', key: record.key, record };
      } else if (form.mode === 'update') {
        yield { status: 'rejected', key: record.key, reason: `key ${record.key} not found in ${path} (--mode update)`, record };
      } else {
        spool.append(record);
        yield { status: 'created', key: record.key, record };
      }
    }
    const file = await openOutputFile(path, { what: 'target file', force: true });
    try {
      const sink = open(file.stream);
      for (const record of spool.records()) await sink.write(record);
      await sink.end();
      await file.commit();
    } finally {
      await file.abort();
    }
  } finally {
    spool.close();
  }
}
