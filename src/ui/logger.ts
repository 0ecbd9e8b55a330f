import { redactSecrets } from '../core/secrets.js';

/**
 * Everything that is not data goes to stderr, through {@link redactSecrets}.
 * `--quiet` keeps only errors and the summary; `--verbose` adds one line per
 * HTTP exchange.
 */
export interface Logger {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
  verbose(line: string): void;
  /** Summary lines: printed even with --quiet. */
  summary(line: string): void;
  readonly isVerbose: boolean;
}

export function createLogger(options: { quiet?: boolean; verbose?: boolean; stream?: NodeJS.WritableStream } = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const write = (line: string) => stream.write(`${redactSecrets(line)}\n`);
  return {
    info: (line) => { if (!options.quiet) write(line); },
    warn: (line) => { if (!options.quiet) write(`warning: ${line}`); },
    error: (line) => write(`error: ${line}`),
    verbose: (line) => { if (options.verbose) write(`  ${line}`); },
    summary: (line) => write(line),
    isVerbose: options.verbose === true,
  };
}

/** A logger that prints nothing, for library callers and tests. */
export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  verbose: () => undefined,
  summary: () => undefined,
  isVerbose: false,
};
