import type { Customer } from '../core/customer.js';
import type { Dialect, FileOptions } from '../core/dialect.js';
import { UserError } from '../core/errors.js';
import { isFormDialect } from '../dialects/csv-form.js';
import { resolveEndpoint } from '../dialects/endpoint.js';
import { recogniseHeader } from '../dialects/input-form.js';
import { dialects } from '../dialects/registry.js';
import { readCsvHeader } from '../io/csv-text.js';
import type { Logger } from '../ui/logger.js';
import { formatOfPath } from './shared.js';

/**
 * An input file of `push` and `migrate`: which dialect reads it, and how it
 * is decoded and split, settled once before it is read (twice: checked whole,
 * then sent), so that what was found is said once.
 */

/** `--format` names of the platforms' forms (`shopify`, …), from the registry. */
export function formFormats(): string[] {
  return Object.values(dialects)
    .filter(isFormDialect)
    .map((dialect) => dialect.form.format);
}

/** The dialect of a `--format` name: `shopify` → `shopify-csv`, `csv` → `csv`. */
export function dialectOfFormat(format: string): Dialect | undefined {
  return Object.values(dialects).find((dialect) => (isFormDialect(dialect) ? dialect.form.format === format : dialect.id === format && dialect.kind === 'file'));
}

/** `--input`: a path, or `ID:PATH` naming a file dialect; with what `--format` or the extension says. */
export function parseInput(input: string, format: string | undefined): { path: string; dialectId?: string } {
  const prefixed = /^([a-z][a-z0-9-]*):(.+)$/s.exec(input);
  const named = format === undefined ? undefined : dialectOfFormat(format)?.id;
  if (prefixed && dialects[prefixed[1]]?.kind === 'file') {
    if (named !== undefined && named !== prefixed[1]) throw new UserError(`--input ${input} is ${prefixed[1]}, but --format says ${format}`, 'give one of them');
    return { path: prefixed[2], dialectId: prefixed[1] };
  }
  if (named !== undefined) return { path: input, dialectId: named };
  return { path: input, dialectId: formatOfPath(input) === 'jsonl' ? 'jsonl' : undefined };
}

export interface SettledInput {
  dialect: Dialect;
  /** The file options with the delimiter and encoding that were found, so a second read finds (and says) nothing again. */
  file: FileOptions;
}

/**
 * Reads the header of a CSV input: its delimiter and encoding (said when
 * found rather than given) and, when no dialect is named, its form (said).
 */
export async function settleInput(path: string, label: string, options: { dialectId?: string; file: FileOptions; log: Logger; command: string }): Promise<SettledInput> {
  const { dialectId, file, log } = options;
  if (dialectId === 'jsonl') return { dialect: dialects.jsonl, file };
  const found = await readCsvHeader(path, { name: label, encoding: file.encoding, delimiter: file.delimiter, onNote: (text) => log.info(text) });
  const settled: FileOptions = { ...file, delimiter: found.delimiter, encoding: found.encoding };
  if (dialectId !== undefined) return { dialect: dialects[dialectId], file: settled };
  const recognised = recogniseHeader(found.header, { name: label, ignoreUnknownColumns: file.ignoreUnknownColumns });
  log.info(`${options.command}: reading ${label} as ${recognised.label} (${recognised.dialect.id}), recognised by its header`);
  return { dialect: recognised.dialect, file: settled };
}

/** The records of a file through a dialect, as `--input` or `--from` would read it. */
export async function* readThrough(dialect: Dialect, path: string, file: FileOptions, log: Logger, flag: string): AsyncGenerator<Customer> {
  const endpoint = await resolveEndpoint(`${dialect.id}:${path}`, { log, file, flag });
  try {
    yield* endpoint.dialect.read(endpoint.ctx, { where: [] });
  } finally {
    await endpoint.close();
  }
}
