import { Command } from 'commander';
import { planRecords, pushRecords } from '../core/push.js';
import { exitCodeFor, formatCounts } from '../core/summary.js';
import { openRejects } from '../io/rejects.js';
import { maskPayload } from '../core/mask.js';
import { checkInput } from '../io/check-input.js';
import { checkFileTarget, choice, fileOptions, formatOfPath, globals, withEndpoint } from './shared.js';
import type { WriteResult } from '../core/dialect.js';

/** `custsync push`: load canonical customers from a CSV/JSONL file (or stdin) into a target. */
export function pushCommand(): Command {
  return new Command('push')
    .description('load customers from a CSV or JSONL file (or stdin) into a target')
    .requiredOption('--to <dst>', 'profile name, csv:PATH, jsonl:PATH, - (stdout) or sandbox:ID')
    .option('--input <file>', 'CSV or JSONL file to read, - for stdin', '-')
    .option('--format <format>', 'input format: csv (default) or jsonl', choice('--format', ['csv', 'jsonl'] as const))
    .option('--mode <mode>', 'upsert (default): create or update; create: new only; update: existing only', choice('--mode', ['upsert', 'create', 'update'] as const), 'upsert')
    .option('--dry-run', 'make every check the push makes without sending (cells, duplicates, what the target would refuse, a lookup of each record), print what would be sent, send nothing; exits as the push would')
    .option('--rejects <file>', 'write rejected records here, with a leading reason column, to fix and push again')
    .option('--raw-csv', 'CSV cells as they are (no formula guard) in files written')
    .option('--ignore-unknown-columns', 'accept CSV columns and JSONL keys that are not canonical')
    .option('--force', 'replace a target file or rejects file that exists')
    .addHelpText(
      'after',
      `
The input is read whole first: a file that is not CSV/JSONL at all (an
unclosed quote, a line that is not JSON, a wrong number of cells, an unknown
column) is exit 2 with nothing sent. A line whose cells do not validate (a bad
date, gender, boolean, number or email) is rejected with a reason naming the
line and every bad column, and the rest is sent.

A target file (csv:FILE, jsonl:FILE) that exists is replaced only with
--force; with an explicit --mode it is updated by key instead. Files are
written under a temporary name and renamed when complete.

Examples:
  custsync push --to propeller --input customers.csv --rejects rejects.csv
  custsync push --to csv:out.csv --input in.jsonl
  custsync push --to csv:all.csv --input changes.csv --mode upsert
  custsync pull --from spiffy | custsync push --to cabinetry --dry-run`,
    )
    .action(async (flags, command: Command) => {
      const g = globals(command);
      const file = fileOptions(flags);
      const format: 'csv' | 'jsonl' = flags.format ?? (formatOfPath(flags.input) === 'jsonl' ? 'jsonl' : 'csv');
      // An input line whose cells do not validate is rejected, not the end of the run (SPEC section 6).
      const inputFile = { ...file, rejectInvalid: true };
      // The whole input is checked before anything is sent: a file that is not CSV/JSONL is exit 2 with nothing sent.
      const input = await checkInput({ path: flags.input, format, file: inputFile });
      if (input.invalid > 0) g.log.info(`push: ${input.invalid} ${input.invalid === 1 ? 'line' : 'lines'} of ${input.label} with cells that do not validate will be rejected; the rest is sent`);
      // A file target that exists: updated by key when --mode was given, else replaced only with --force.
      const targetFile = { ...file, mergeExisting: command.getOptionValueSource('mode') === 'cli' };
      try {
        await withEndpoint(flags.to, { profilesFile: g.profiles, log: g.log, concurrency: g.concurrency, file: targetFile, flag: '--to' }, async (target) => {
          await checkFileTarget(target);
          await withEndpoint(`${format}:${input.path}`, { log: g.log, file: inputFile, flag: '--input' }, async (source) => {
            const records = source.dialect.read(source.ctx, { where: [] });
            if (flags.dryRun) {
              g.log.info(`push --dry-run: ${input.count} records from ${input.label} to ${target.label}; nothing is sent`);
              const counts = await planRecords({
                records,
                target,
                mode: flags.mode,
                previews: 3,
                classify: async (_record, position) => {
                  const reason = input.duplicates.get(position);
                  return reason === undefined ? undefined : { status: 'rejected', reason };
                },
                onResult: (result) => {
                  if (result.status === 'rejected') g.log.warn(`would reject ${result.key}: ${result.reason ?? ''}`);
                },
                onPreview: (record, payload) => g.log.summary(`would send ${record.key}: ${JSON.stringify(maskPayload(payload))}`),
              });
              g.log.summary(`dry run: ${formatCounts(counts)}`);
              // The exit code the real run would have: 1 when records would be rejected.
              process.exitCode = exitCodeFor(counts);
              return;
            }
            // The rejects file takes the form its name says (.jsonl/.csv), else the input's.
            const rejectsFormat = formatOfPath(flags.rejects) === 'jsonl' ? 'jsonl' : formatOfPath(flags.rejects) === 'csv' ? 'csv' : format;
            const rejects = flags.rejects ? await openRejects(flags.rejects, rejectsFormat, file.rawCsv, file.force) : undefined;
            g.log.info(`push: ${input.count} records from ${input.label} to ${target.label} (${target.dialect.id}, mode ${flags.mode})`);
            const outcome = await pushRecords({
              records,
              target,
              mode: flags.mode,
              refuse: (_record, position) => input.duplicates.get(position),
              onProblem: async (result: WriteResult) => {
                if (rejects) await rejects.add(result);
                else g.log.warn(`${result.status} ${result.key}: ${result.reason ?? ''}`);
              },
            });
            await rejects?.close();
            g.log.summary(formatCounts(outcome.counts));
            if (rejects && rejects.count > 0) g.log.info(`rejected records written to ${flags.rejects}`);
            if (outcome.error) throw outcome.error;
            process.exitCode = exitCodeFor(outcome.counts);
          });
        });
      } finally {
        await input.cleanup();
      }
    });
}
