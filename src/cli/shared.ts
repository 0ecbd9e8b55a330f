import { InvalidArgumentError, Option, type Command } from 'commander';
import type { FileOptions } from '../core/dialect.js';
import { UserError } from '../core/errors.js';
import { parseCondition, parseInstant, type Condition } from '../core/query.js';
import { resolveEndpoint, type Endpoint, type ResolveOptions } from '../dialects/endpoint.js';
import { createLogger, type Logger } from '../ui/logger.js';
import { delimiterOf } from '../io/delimiter.js';
import { encodingOf, encodings, type Encoding } from '../io/encoding.js';
import { setSummaryFormat, type SummaryFormat } from '../ui/summary.js';
import { canDisplay, envFlag } from '../ui/terminal.js';
import { checkOutputPath } from '../io/atomic-file.js';
import { registerStatePassword } from '../core/state/state-spec.js';

/** What every command reads from the global options (SPEC section 1). */
export interface GlobalOptions {
  profiles?: string;
  state: string;
  concurrency?: number;
  quiet: boolean;
  verbose: boolean;
  /** False with --no-progress, --quiet, CI, or when stderr is not a terminal with a size (or TERM=dumb). */
  progress: boolean;
  /** `--summary-format json` or `--json`: the summary as one JSON object on stderr's last line. */
  summaryFormat: SummaryFormat;
}

/**
 * A global option's value from the nearest command where the user set it:
 * global options are accepted before or after the subcommand, and a default
 * on the subcommand must not hide a value given before it.
 */
function given<T>(command: Command, key: string): T | undefined {
  for (let current: Command | null = command; current; current = current.parent) {
    const source = current.getOptionValueSource(key);
    if (source !== undefined && source !== 'default') return current.getOptionValue(key) as T;
  }
  return undefined;
}

/** `--state`, else `$CUSTSYNC_STATE` (a directory or a postgres:// URL), else `./.custsync` (SPEC section 5). */
function stateOf(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const state = flag ?? (env.CUSTSYNC_STATE || undefined) ?? './.custsync';
  registerStatePassword(state);
  return state;
}

export function globals(command: Command): GlobalOptions & { log: Logger } {
  const quiet = given<boolean>(command, 'quiet') === true;
  const verbose = given<boolean>(command, 'verbose') === true && !quiet;
  const progress = given<boolean>(command, 'progress') !== false && !quiet && !envFlag(process.env, 'CI') && canDisplay(process.stderr);
  const summaryFormat: SummaryFormat = given<boolean>(command, 'json') === true ? 'json' : (given<SummaryFormat>(command, 'summaryFormat') ?? 'text');
  setSummaryFormat(summaryFormat);
  return {
    profiles: given<string>(command, 'profiles'),
    state: stateOf(given<string>(command, 'state')),
    concurrency: given<number>(command, 'concurrency'),
    quiet,
    verbose,
    progress,
    summaryFormat,
    log: createLogger({ quiet, verbose }),
  };
}

export { addGlobalOptions, nonNegativeInt, positiveInt } from './global-options.js';
import { positiveInt } from './global-options.js';

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function choice<T extends string>(flag: string, values: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(values as readonly string[]).includes(value)) throw new InvalidArgumentError(`${flag} must be one of ${values.join(', ')}, not "${value}"`);
    return value as T;
  };
}

export function parseWhere(expressions: string[] | undefined): Condition[] {
  return (expressions ?? []).map(parseCondition);
}

export function parseSince(text: string | undefined): Date | undefined {
  return text === undefined ? undefined : parseInstant(text, '--since');
}

export function fileOptions(flags: { rawCsv?: boolean; ignoreUnknownColumns?: boolean; force?: boolean; encoding?: Encoding; delimiter?: string; maxBytes?: number }): FileOptions {
  return {
    rawCsv: flags.rawCsv === true,
    ignoreUnknownColumns: flags.ignoreUnknownColumns === true,
    force: flags.force === true,
    encoding: flags.encoding,
    delimiter: flags.delimiter,
    maxBytes: flags.maxBytes,
  };
}

/** `--encoding`, for commands that read files (SPEC section 1). */
export function encodingOption(): Option {
  return new Option('--encoding <name>', `encoding of CSV input files: ${encodings.join(', ')} (default: UTF-8, or what a byte order mark says)`).argParser((value: string) => {
    const encoding = encodingOf(value);
    if (!encoding) throw new InvalidArgumentError(`--encoding must be one of ${encodings.join(', ')}, not "${value}"`);
    return encoding;
  });
}

/** `--delimiter`, for commands that read files. */
export function delimiterOption(): Option {
  return new Option('--delimiter <char>', 'cell delimiter of CSV input files: , ; tab | or another character (default: found in the header)').argParser((value: string) => {
    const delimiter = delimiterOf(value);
    if (!delimiter) throw new InvalidArgumentError(`--delimiter must be one character (or "tab"), not "${value}"`);
    return delimiter;
  });
}

/** `--max-bytes`, for commands that write the platforms' forms. */
export function maxBytesOption(): Option {
  return new Option('--max-bytes <n>', 'split a Shopify/WooCommerce/Matrixify file into files of at most N bytes each (Shopify imports 1 MB: 1000000)').argParser(positiveInt('--max-bytes'));
}

/**
 * A file target that exists is refused (exit 2) before anything is read or
 * sent, unless `--force` replaces it or an explicit `--mode` updates it by key.
 */
export async function checkFileTarget(target: Endpoint): Promise<void> {
  const path = target.ctx.profile.path;
  if (target.dialect.kind !== 'file' || !path || path === '-' || target.ctx.file.mergeExisting) return;
  await checkOutputPath(path, {
    what: 'target file',
    force: target.ctx.file.force,
    existsHint: `pass --force to replace it${target.ctx.file.mergeExisting === false ? ', or --mode upsert|create|update to update it by key' : ''}`,
  });
}

/** The file form implied by a path's extension, for `-o out.jsonl` and `--input in.jsonl`. */
export function formatOfPath(path: string | undefined): 'csv' | 'jsonl' | 'json' | undefined {
  if (!path) return undefined;
  if (/\.(jsonl|ndjson)$/i.test(path)) return 'jsonl';
  if (/\.json$/i.test(path)) return 'json';
  if (/\.csv$/i.test(path)) return 'csv';
  return undefined;
}

/** Resolves an endpoint and guarantees it is closed (emulators stopped, pools drained). */
export async function withEndpoint<T>(spec: string, options: ResolveOptions, use: (endpoint: Endpoint) => Promise<T>): Promise<T> {
  const endpoint = await resolveEndpoint(spec, options);
  try {
    return await use(endpoint);
  } finally {
    await endpoint.close();
  }
}

export function requireOption<T>(value: T | undefined, flag: string, example: string): T {
  if (value === undefined || value === '') throw new UserError(`${flag} is required`, `e.g. ${example}`);
  return value;
}
