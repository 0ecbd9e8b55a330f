import { redactSecrets } from '../core/secrets.js';
import type { Logger } from './logger.js';
import { writeStderr } from './logger.js';

/**
 * The summary a command ends with (SPEC section 1), as a line for a person or,
 * with `--summary-format json` (`--json`), as one JSON object on the last line
 * of stderr for a script: the counts, the command, the exit code and the
 * error when there was one. The JSON line is held until the command is over
 * (`src/cli/main.ts` calls {@link flushSummary}), so nothing comes after it.
 */
export type SummaryFormat = 'text' | 'json';

let format: SummaryFormat = 'text';
let pending: Record<string, unknown> | undefined;

export function setSummaryFormat(value: SummaryFormat): void {
  format = value;
}

export function summaryFormat(): SummaryFormat {
  return format;
}

/** The command's summary: `text` is printed now (even with --quiet), or `fields` kept for the JSON line. */
export function printSummary(log: Logger, text: string, fields: Record<string, unknown>): void {
  if (format === 'json') pending = { ...pending, ...fields };
  else log.summary(text);
}

/** Adds fields to the JSON line without printing anything in text form (a run id, where a file went). */
export function addSummaryFields(fields: Record<string, unknown>): void {
  if (format === 'json') pending = { ...pending, ...fields };
}

/** Prints the JSON line, last: the command's fields, its exit code and, when it failed, the error. */
export function flushSummary(outcome: { command?: string; exitCode: number; error?: string }): void {
  if (format !== 'json') return;
  const line = { ...(outcome.command ? { command: outcome.command } : {}), ...pending, exitCode: outcome.exitCode, ...(outcome.error ? { error: outcome.error } : {}) };
  pending = undefined;
  writeStderr(`${redactSecrets(JSON.stringify(line))}\n`);
}
