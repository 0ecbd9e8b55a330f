import type { RecordSink } from '../core/pull.js';
import type { Dialect, DialectContext } from '../core/dialect.js';
import { UserError } from '../core/errors.js';
import { FormOutput, isFormDialect, type FormDialect } from '../dialects/csv-form.js';
import { openSink } from '../io/sink.js';
import type { Logger } from '../ui/logger.js';
import { dialectOfFormat } from './input-file.js';

/**
 * The output of `pull` and `search`: canonical CSV/JSONL/JSON (src/io/sink.ts),
 * or a platform's form (`--format shopify|woocommerce|matrixify`), whose
 * columns are fixed, which can be split with `--max-bytes`, and which says
 * what of the records it cannot hold.
 */
export interface OutputOptions {
  format: string;
  path?: string;
  fields?: string;
  rawCsv: boolean;
  maxBytes?: number;
  /** Replace a file that exists (`--force`). */
  force?: boolean;
  log: Logger;
}

export function formOf(format: string): FormDialect | undefined {
  const dialect = dialectOfFormat(format);
  return dialect && isFormDialect(dialect) ? dialect : undefined;
}

export async function openOutput(options: OutputOptions): Promise<RecordSink> {
  const form = formOf(options.format);
  if (options.maxBytes !== undefined && (!form || options.path === undefined)) {
    throw new UserError('--max-bytes splits a file of a platform\'s form', `use it with --format ${form ? options.format : 'shopify'} and -o FILE`);
  }
  if (!form) return openSink({ path: options.path, format: options.format as 'csv' | 'jsonl' | 'json', fields: options.fields, rawCsv: options.rawCsv, force: options.force });
  if (options.fields !== undefined) throw new UserError(`--fields does not apply to --format ${options.format}: the ${form.form.label} has fixed columns`);
  const output = await FormOutput.open(form.form, { path: options.path, raw: options.rawCsv, maxBytes: options.maxBytes, force: options.force, log: options.log, noteLost: true });
  return { write: (record) => output.write(record), end: async () => void (await output.end()), abort: () => output.abort() };
}

/** `--max-bytes` with `push`/`migrate`: only a platform's form written to a file can be split. */
export function checkMaxBytesTarget(maxBytes: number | undefined, target: { dialect: Dialect; ctx: DialectContext }): void {
  if (maxBytes === undefined) return;
  if (isFormDialect(target.dialect) && (target.ctx.profile.path ?? '-') !== '-') return;
  throw new UserError("--max-bytes splits a file of a platform's form", 'use it with --to shopify-csv:FILE (or woocommerce-csv:FILE, matrixify-csv:FILE)');
}
