import { InvalidArgumentError, type Command } from 'commander';
import { registerStatePassword } from '../core/state/state-spec.js';

/**
 * The global options (SPEC section 1) and the number parsers they use. Kept
 * apart from `shared.ts`, which reaches every dialect, so that
 * `custsync --version` and `--help` load nothing but commander.
 */
export function addGlobalOptions(command: Command): Command {
  return command
    .option('--profiles <file>', 'profiles file (default: $CUSTSYNC_PROFILES, ./custsync.profiles.json, then the user store)')
    .option(
      '--state <dir|url>',
      'where runs, checkpoints, snapshots and bookmarks are kept: a directory (SQLite) or postgres://USER[:PASSWORD]@HOST[:PORT]/DB (default: $CUSTSYNC_STATE, else ./.custsync)',
      (value: string) => {
        registerStatePassword(value);
        return value;
      },
    )
    .option('--concurrency <n>', 'requests in flight at once per remote system (default 4)', positiveInt('--concurrency'))
    .option('--quiet', 'print only errors and the summary line')
    .option('--verbose', 'log one line per HTTP exchange (never a secret)')
    .option('--no-progress', 'plain log lines instead of a progress display')
    .option('--summary-format <format>', 'text (default) or json: the summary as one JSON object on the last line of stderr', (value: string) => {
      if (value !== 'text' && value !== 'json') throw new InvalidArgumentError(`--summary-format must be text or json, not "${value}"`);
      return value;
    })
    .option('--json', 'the same as --summary-format json');
}

/** Global options that take a value, so that the command name can be found in argv before anything is loaded. */
export const globalOptionsWithValue = ['--profiles', '--state', '--concurrency', '--summary-format'];

export function positiveInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive whole number, not "${value}"`);
    return n;
  };
}

export function nonNegativeInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} must be a whole number ≥ 0, not "${value}"`);
    return n;
  };
}
