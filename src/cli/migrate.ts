import { Command } from 'commander';
import { loadMapping } from '../core/mapping-file/index.js';
import { runMigrate } from '../core/migrate/index.js';
import { exitCodeFor, formatCounts } from '../core/summary.js';
import { checkInput } from '../io/check-input.js';
import { createProgressView } from '../ui/progress.js';
import { checkFileTarget, fileOptions, formatOfPath, globals, withEndpoint } from './shared.js';

/** `custsync migrate`: move a whole customer base from one system to another, resumable. */
export function migrateCommand(): Command {
  return new Command('migrate')
    .description('move a whole customer base from one system to another, resumable')
    .requiredOption('--from <src>', 'profile name, csv:PATH, jsonl:PATH, - (stdin) or sandbox:ID')
    .requiredOption('--to <dst>', 'profile name, csv:PATH, jsonl:PATH, - (stdout) or sandbox:ID')
    .option('--mapping <file>', 'JSON file of rules that adjust records between source and target (docs/mapping.md)')
    .option('--dry-run', 'read, map and make every check the run makes without sending, print the first payloads and the counts, send nothing; exits as the run would')
    .option('--resume', 'continue the last unfinished run of the same source and target')
    .option('--rejects <file>', 'write rejected records here, with a leading reason column')
    .option('--report <file>', 'write counts, per-record outcomes and ids, dropped fields and password resets as JSON')
    .option('--raw-csv', 'CSV cells as they are (no formula guard) in files written')
    .option('--ignore-unknown-columns', 'accept CSV columns and JSONL keys of the input that are not canonical')
    .option('--force', 'replace a target file, rejects file or report file that exists')
    .addHelpText(
      'after',
      `
Progress is kept in --state DIR (default ./.custsync): a re-run sends only what
changed since, and --resume after a crash or a failure sends nothing twice.
One run of a source and target at a time: a second exits 2 naming the first
(pid, host, start time); a killed run's lock is taken over with a warning.
A source line whose cells do not validate is rejected; the rest is migrated.
Files written (a csv:/jsonl: target, --rejects, --report) get their name only
when complete; one that exists is replaced only with --force.

Examples:
  custsync migrate --from sandbox:resultset --to sandbox:propeller
  custsync migrate --from resultset --to propeller --mapping mapping.json --dry-run
  custsync migrate --from spiffy --to cabinetry --report report.json --rejects rejects.csv
  custsync migrate --from spiffy --to cabinetry --resume`,
    )
    .action(async (flags, command: Command) => {
      const g = globals(command);
      const file = fileOptions(flags);
      const mapping = flags.mapping ? loadMapping(flags.mapping) : undefined;
      // A source line whose cells do not validate is rejected, not the end of the run (SPEC section 6).
      const sourceFile = { ...file, rejectInvalid: true };
      const resolve = { profilesFile: g.profiles, log: g.log, concurrency: g.concurrency, file: sourceFile };
      await withEndpoint(flags.from, { ...resolve, flag: '--from', format: formatOfPath(flags.from) === 'jsonl' ? 'jsonl' : 'csv' }, async (from) => {
        // A file source is checked whole before anything is sent: a bad line is exit 2 with nothing sent.
        const format = from.dialect.id === 'jsonl' ? 'jsonl' : 'csv';
        const input = from.dialect.kind === 'file' ? await checkInput({ path: from.ctx.profile.path ?? '-', format, file: sourceFile }) : undefined;
        try {
          // The checked copy is read (stdin was spooled to a file); the label stays as typed.
          const read = <T>(use: (source: typeof from) => Promise<T>) =>
            input ? withEndpoint(`${format}:${input.path}`, { ...resolve, flag: '--from' }, (copy) => use({ ...copy, label: from.label })) : use(from);
          await read(async (source) => {
            await withEndpoint(flags.to, { ...resolve, file, flag: '--to' }, async (target) => {
              await checkFileTarget(target);
              const view = createProgressView({ enabled: g.progress, log: g.log, source: source.label, target: target.label, dryRun: flags.dryRun === true });
              let result;
              try {
                result = await runMigrate({
                  source,
                  target,
                  stateDir: g.state,
                  mapping,
                  dryRun: flags.dryRun === true,
                  resume: flags.resume === true,
                  rejectsPath: flags.rejects,
                  rejectsFormat: formatOfPath(flags.rejects) === 'jsonl' ? 'jsonl' : 'csv',
                  rawCsv: file.rawCsv,
                  reportPath: flags.report,
                  force: file.force,
                  log: g.log,
                  onProgress: (progress, event) => view.update(progress, event),
                });
              } finally {
                await view.stop();
              }
              for (const [field, n] of result.lostFields) g.log.info(`note: ${target.label} cannot hold ${field} (${n} ${n === 1 ? 'record' : 'records'})`);
              if (result.passwordResets > 0) g.log.info(`note: ${result.passwordResets} ${result.passwordResets === 1 ? 'customer has' : 'customers have'} a password hash in the source, which is never sent: they will need to set a password on the target`);
              g.log.summary(`${flags.dryRun ? 'dry run: ' : ''}${formatCounts(result.counts)}`);
              if (result.rejectsWritten > 0) g.log.info(`rejected records written to ${flags.rejects}`);
              if (flags.report) g.log.info(`report written to ${flags.report}`);
              if (result.error) {
                if (result.run) g.log.info(`run #${result.run.id} is unfinished: fix the cause and run again with --resume`);
                throw result.error;
              }
              process.exitCode = exitCodeFor(result.counts);
            });
          });
        } finally {
          await input?.cleanup();
        }
      });
    });
}
