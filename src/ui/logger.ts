import { redactSecrets } from '../core/secrets.js';
import { palette, useColour } from './terminal.js';

/**
 * Everything that is not data goes to stderr, through {@link redactSecrets}.
 * `--quiet` keeps only errors and the summary; `--verbose` adds one line per
 * HTTP exchange. While a live display is on the terminal, lines go through it
 * (see {@link routeStderrLines}) so they land above it instead of through it.
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

type LineSink = (text: string) => void;
let routed: LineSink | undefined;

/** While set, every line for stderr (logs, notes, the error report) is handed to `sink` instead; undefined restores stderr. */
export function routeStderrLines(sink: LineSink | undefined): void {
  routed = sink;
}

/** Writes text to stderr, or through the live display when one is on. */
export function writeStderr(text: string): void {
  if (routed) routed(text);
  else process.stderr.write(text);
}

export function createLogger(options: { quiet?: boolean; verbose?: boolean; stream?: NodeJS.WritableStream } = {}): Logger {
  const stream = options.stream;
  const write = (line: string) => {
    const text = `${redactSecrets(line)}\n`;
    if (stream) stream.write(text);
    else writeStderr(text);
  };
  const paint = palette(!stream && useColour(process.stderr));
  return {
    info: (line) => { if (!options.quiet) write(line); },
    warn: (line) => { if (!options.quiet) write(`${paint.yellow('warning:')} ${line}`); },
    error: (line) => write(`${paint.red('error:')} ${line}`),
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
