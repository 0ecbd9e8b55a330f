import { InvalidArgumentError, type Command } from 'commander';
import type { FileOptions } from '../core/dialect.js';
import { UserError } from '../core/errors.js';
import { parseCondition, parseInstant, type Condition } from '../core/query.js';
import { resolveEndpoint, type Endpoint, type ResolveOptions } from '../dialects/endpoint.js';
import { createLogger, type Logger } from '../ui/logger.js';

/** What every command reads from the global options (SPEC section 1). */
export interface GlobalOptions {
  profiles?: string;
  state: string;
  concurrency?: number;
  quiet: boolean;
  verbose: boolean;
  /** False with --no-progress, --quiet, CI, or when stderr is not a TTY. */
  progress: boolean;
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

export function globals(command: Command): GlobalOptions & { log: Logger } {
  const quiet = given<boolean>(command, 'quiet') === true;
  const verbose = given<boolean>(command, 'verbose') === true && !quiet;
  const progress = given<boolean>(command, 'progress') !== false && !quiet && !process.env.CI && process.stderr.isTTY === true;
  return {
    profiles: given<string>(command, 'profiles'),
    state: given<string>(command, 'state') ?? './.custsync',
    concurrency: given<number>(command, 'concurrency'),
    quiet,
    verbose,
    progress,
    log: createLogger({ quiet, verbose }),
  };
}

export { addGlobalOptions, nonNegativeInt, positiveInt } from './global-options.js';

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

export function fileOptions(flags: { rawCsv?: boolean; ignoreUnknownColumns?: boolean }): FileOptions {
  return { rawCsv: flags.rawCsv === true, ignoreUnknownColumns: flags.ignoreUnknownColumns === true };
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
