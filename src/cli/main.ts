import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { CustsyncError } from '../core/errors.js';
import { redactSecrets } from '../core/secrets.js';
import { addGlobalOptions, globalOptionsWithValue } from './global-options.js';
import { flushSummary } from '../ui/summary.js';
import { writeStderr } from '../ui/logger.js';
import { palette, useColour } from '../ui/terminal.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * The commands, each loaded only when it runs: a command module reaches the
 * dialects, zod, undici and more, which `--version` and the other commands
 * do not need (start-up time is part of every run).
 */
const commands: Record<string, () => Promise<Command>> = {
  pull: async () => (await import('./pull.js')).pullCommand(),
  push: async () => (await import('./push.js')).pushCommand(),
  migrate: async () => (await import('./migrate.js')).migrateCommand(),
  diff: async () => (await import('./diff.js')).diffCommand(),
  search: async () => (await import('./search.js')).searchCommand(),
  profiles: async () => (await import('./profiles.js')).profilesCommand(),
  sandbox: async () => (await import('./sandbox.js')).sandboxCommand(),
  runs: async () => (await import('./runs.js')).runsCommand(),
  state: async () => (await import('./state.js')).stateCommand(),
};

/**
 * The commands a command line needs: the one it names; none for a bare
 * `--version`; all of them otherwise (help, a mistyped name: they list or
 * suggest every command).
 */
export function commandsFor(argv: string[]): string[] {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      if (globalOptionsWithValue.includes(arg)) i += 1;
      continue;
    }
    return arg in commands ? [arg] : Object.keys(commands);
  }
  const onlyVersion = args.length > 0 && args.every((arg) => arg === '--version');
  return onlyVersion ? [] : Object.keys(commands);
}

export async function buildProgram(argv: string[] = process.argv): Promise<Command> {
  const program = new Command('custsync')
    .description('Move customer records between commerce platforms: pull, push, migrate, diff and search.')
    .version(pkg.version, '--version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(redactSecrets(text)) });
  addGlobalOptions(program);
  program.addHelpText(
    'after',
    `
SRC and DST are a profile name, csv:PATH, jsonl:PATH, - (stdin/stdout), sandbox:ID
(a built-in emulator of that platform, so every example below runs as written), or a
platform's customer CSV: shopify-csv:PATH, woocommerce-csv:PATH, matrixify-csv:PATH.

Exit codes: 0 done; 1 done but records were rejected (diff --exit-code: differences);
2 usage, profile or input-file error, nothing sent; 3 the remote side failed;
130 stopped by Ctrl-C (a migration resumes with --resume).

Examples:
  custsync pull --from sandbox:spiffy > customers.csv
  custsync push --to sandbox:propeller --input customers.csv --rejects rejects.csv
  custsync migrate --from sandbox:resultset --to sandbox:propeller
  custsync diff --from sandbox:spiffy --since-last
  custsync search --in sandbox:cabinetry --email harrison.obrien.1@tedious-promise.net.au
  custsync runs`,
  );
  for (const command of await Promise.all(commandsFor(argv).map((name) => commands[name]()))) {
    // Global options are accepted after the subcommand too.
    addGlobalOptions(command);
    for (const sub of command.commands) addGlobalOptions(sub);
    program.addCommand(command);
  }
  const inherit = (command: Command) => {
    command.exitOverride().configureOutput({ outputError: (text, write) => write(redactSecrets(text)) }).showSuggestionAfterError(true);
    command.commands.forEach(inherit);
  };
  program.commands.forEach(inherit);
  return program;
}

/** Runs the CLI and returns the exit code; the one place errors become exit codes (SPEC section 1). */
export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  // `custsync pull … | head`: the reader went away; that is the end of the output, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = 0;
  const program = await buildProgram(argv);
  const command = argv.slice(2).find((arg) => program.commands.some((c) => c.name() === arg));
  try {
    await program.parseAsync(argv);
    const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
    flushSummary({ command, exitCode: code });
    return code;
  } catch (error) {
    const code = report(error, verbose);
    flushSummary({ command, exitCode: code, error: code !== 0 && error instanceof Error ? error.message : undefined });
    return code;
  }
}

function report(error: unknown, verbose: boolean): number {
  const write = (line: string) => writeStderr(`${redactSecrets(line)}\n`);
  const paint = palette(useColour(process.stderr));
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    // commander already printed the message.
    return 2;
  }
  if (error instanceof CustsyncError) {
    write(`${paint.red('error:')} ${error.message}`);
    if (error.hint) write(`hint: ${error.hint}`);
    if (verbose && 'bodySnippet' in error && error.bodySnippet) write(`answer: ${String(error.bodySnippet)}`);
    return error.exitCode;
  }
  if ((error as NodeJS.ErrnoException)?.code === 'EPIPE') return 0;
  write(`${paint.red('error:')} unexpected failure: ${(error as Error)?.message ?? String(error)}`);
  write(verbose ? String((error as Error)?.stack ?? '') : 'hint: this is a bug in custsync; run again with --verbose and report the output');
  return 3;
}
