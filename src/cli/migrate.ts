import { Command } from 'commander';
import type { FileOptions } from '../core/dialect.js';
import { parseDuration } from '../core/duration.js';
import { checkReadFlags, type ReadFlags } from '../core/incremental.js';
import { loadMapping } from '../core/mapping-file/index.js';
import { runMigrate, stateIdOf, type MigrateProgress } from '../core/migrate/index.js';
import { checkWorkers } from '../core/migrate/workers.js';
import { resumeCommand } from '../core/state/runs-query.js';
import { exitCodeFor, formatCounts } from '../core/summary.js';
import { checkInput } from '../io/check-input.js';
import { interruptedExitCode, onInterrupt } from '../ui/interrupt.js';
import { showLostFields } from '../ui/notes.js';
import { Progress } from '../ui/progress.js';
import { formatDuration } from '../ui/rate.js';
import { printSummary } from '../ui/summary.js';
import { checkFileTarget, collect, delimiterOption, encodingOption, fileOptions, formatOfPath, globals, maxBytesOption, parseSince, parseWhere, positiveInt, withEndpoint } from './shared.js';
import { readThrough, settleInput } from './input-file.js';
import { checkMaxBytesTarget } from './output.js';

/** `custsync migrate`: move a whole customer base from one system to another, resumable. */
export function migrateCommand(): Command {
  return new Command('migrate')
    .description('move a whole customer base from one system to another, resumable')
    .requiredOption('--from <src>', 'profile name, csv:PATH, jsonl:PATH, shopify-csv:PATH (woocommerce-csv:, matrixify-csv:), - (stdin) or sandbox:ID')
    .requiredOption('--to <dst>', 'profile name, csv:PATH, jsonl:PATH, shopify-csv:PATH (woocommerce-csv:, matrixify-csv:), - (stdout) or sandbox:ID')
    .option('--mapping <file>', 'JSON file of rules that adjust records between source and target (docs/mapping.md)')
    .option('--dry-run', 'read, map and make every check the run makes without sending, print the first payloads and the counts, send nothing; exits as the run would')
    .option('--resume', 'continue the last unfinished run of the same source and target')
    .option('--incremental', "read only what changed since the last complete run, through the source's change filter")
    .option('--lookback <span>', 'with --incremental: also read this much before the last run began (default 10m)')
    .option('--full', 'read everything, and set the bookmark of --incremental again')
    .option('--since <iso>', 'only customers changed at or after this instant (no offset = UTC)')
    .option('--where <expr>', 'only customers where "field OP value", OP one of = != ~ > >= < <= (repeatable)', collect)
    .option('--limit <n>', 'stop after N customers (a trial run; a later run continues from there)', positiveInt('--limit'))
    .option('--workers', 'one of several processes or hosts sharing this migration through --state postgres://…: each claims parts of the source until none is left')
    .option('--rejects <file>', 'write rejected records here, with a leading reason column')
    .option('--report <file>', 'write counts, per-record outcomes and ids, dropped fields and password resets as JSON')
    .option('--raw-csv', 'CSV cells as they are (no formula guard) in files written')
    .option('--ignore-unknown-columns', 'accept CSV columns and JSONL keys of the input that are not canonical')
    .option('--force', 'replace a target file, rejects file or report file that exists')
    .addOption(delimiterOption())
    .addOption(encodingOption())
    .addOption(maxBytesOption())
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

--incremental reads only what changed since the last complete run began
(minus --lookback), by the source server's clock; the bookmark moves only
when every write was confirmed, so a killed run is read again from the same
instant. Deletions are not seen by change filters: see diff --since-last.
--where, --since and --limit migrate a part; a later run sends the rest.

--workers splits one migration between processes or hosts that give the same
command and the same --state postgres://…: the first cuts the source into
parts (id ranges, creation-time ranges), each worker claims parts until none
is left, and a worker that dies leaves its part to the others. It helps when
the source's rate limit is per client or per key (give each worker its own
key); with one key whose limit all share, the workers only queue behind it.
Sources paged by position (resultset) and files cannot be split.

Ctrl-C stops a run cleanly: what the target confirmed is kept, and the
command that resumes it is printed. "custsync runs" lists the runs.

Examples:
  custsync migrate --from sandbox:resultset --to sandbox:propeller
  custsync migrate --from sandbox:resultset --to sandbox:propeller --dry-run
  custsync migrate --from sandbox:spiffy --to sandbox:cabinetry --report report.json --rejects rejects.csv
  custsync migrate --from sandbox:spiffy --to sandbox:cabinetry --resume
  custsync migrate --from sandbox:spiffy --to sandbox:resultset --incremental
  custsync migrate --from sandbox:spiffy --to sandbox:resultset --limit 10 --where "email ~ .com"`,
    )
    .action(async (flags, command: Command) => {
      const g = globals(command);
      const file = fileOptions(flags);
      const readFlags: ReadFlags = {
        incremental: flags.incremental === true,
        full: flags.full === true,
        lookbackMs: flags.lookback === undefined ? undefined : parseDuration(flags.lookback, '--lookback'),
        since: parseSince(flags.since),
        where: parseWhere(flags.where),
        limit: flags.limit,
      };
      checkReadFlags({ ...readFlags, lookbackGiven: flags.lookback !== undefined }, 'migrate');
      const mapping = flags.mapping ? loadMapping(flags.mapping) : undefined;
      // A source line whose cells do not validate is rejected, not the end of the run (SPEC section 6).
      const sourceFile = { ...file, rejectInvalid: true };
      const resolve = { profilesFile: g.profiles, log: g.log, concurrency: g.concurrency, file: sourceFile };
      await withEndpoint(flags.from, { ...resolve, flag: '--from', format: formatOfPath(flags.from) === 'jsonl' ? 'jsonl' : 'csv' }, async (from) => {
        if (flags.workers) checkWorkers({ stateDir: g.state, source: from, dryRun: flags.dryRun === true, read: readFlags });
        // A file source is checked whole before anything is sent: a bad line is exit 2 with nothing sent.
        const format = from.dialect.id === 'jsonl' ? 'jsonl' : 'csv';
        // Its delimiter and encoding are settled (and said) on the first read, so the second finds nothing to say.
        let settledFile: FileOptions = sourceFile;
        const input =
          from.dialect.kind === 'file'
            ? await checkInput({
                path: from.ctx.profile.path ?? '-',
                format,
                file: sourceFile,
                read: async function* (path, label) {
                  settledFile = (await settleInput(path, label, { dialectId: from.dialect.id, file: sourceFile, log: g.log, command: 'migrate' })).file;
                  yield* readThrough(from.dialect, path, settledFile, g.log, '--from');
                },
              })
            : undefined;
        try {
          // The checked copy is read (stdin was spooled to a file); the label stays as typed.
          const read = <T>(use: (source: typeof from) => Promise<T>) =>
            input ? withEndpoint(`${from.dialect.id}:${input.path}`, { ...resolve, file: settledFile, flag: '--from' }, (copy) => use({ ...copy, label: from.label })) : use(from);
          await read(async (source) => {
            await withEndpoint(flags.to, { ...resolve, file, flag: '--to' }, async (target) => {
              checkMaxBytesTarget(file.maxBytes, target);
              await checkFileTarget(target);
              const dryRun = flags.dryRun === true;
              const commandLine = process.argv.slice(2);
              // Records on a terminal's stdout (--to -) and a live area on the same terminal would tear each other.
              const live = g.progress && !(target.dialect.kind === 'file' && target.ctx.profile.path === '-' && process.stdout.isTTY);
              const progress = await Progress.start({ enabled: live, log: g.log, command: 'migrate', title: `migrate ${source.label} → ${target.label}${dryRun ? ' (dry run)' : ''}` });
              const reading = progress.meter(`read ${source.label}`);
              const writing = progress.meter(`${dryRun ? 'match' : 'write'} ${target.label}`);
              const started = Date.now();
              const stopper = new AbortController();
              const stopInterrupts = onInterrupt(() => {
                g.log.info('migrate: stopping: the records in flight are being confirmed (Ctrl-C again to quit at once)');
                stopper.abort();
              });
              const onProgress = (p: Readonly<MigrateProgress>, event: string) => {
                reading.total(p.total);
                writing.total(p.total);
                reading.set(p.read);
                writing.set(p.counts.created + p.counts.updated + p.counts.unchanged + p.counts.rejected + p.counts.failed);
                writing.counts(p.counts);
                const took = formatDuration(Date.now() - started);
                if (event === 'start') progress.phase(`migrate: reading ${source.label}${p.total !== undefined ? ` (${p.total} records)` : ''}, mapping, ${dryRun ? 'matching against' : 'writing to'} ${target.label}`);
                if (event === 'read-done') {
                  reading.finish();
                  progress.phase(`migrate: read ${p.read} records in ${took}`);
                }
                if (event === 'write-done') {
                  writing.finish();
                  progress.phase(`migrate: ${dryRun ? 'planned' : 'confirmed'} ${p.counts.created + p.counts.updated + p.counts.unchanged} records in ${took}`);
                }
              };
              let result;
              try {
                result = await runMigrate({
                  source,
                  target,
                  stateDir: g.state,
                  read: readFlags,
                  mapping,
                  dryRun,
                  resume: flags.resume === true,
                  rejectsPath: flags.rejects,
                  rejectsFormat: formatOfPath(flags.rejects) === 'jsonl' ? 'jsonl' : 'csv',
                  rawCsv: file.rawCsv,
                  reportPath: flags.report,
                  force: file.force,
                  log: g.log,
                  signal: stopper.signal,
                  commandLine,
                  onProgress,
                  workers: flags.workers === true,
                });
              } finally {
                stopInterrupts();
                await progress.stop();
              }
              await showLostFields({
                log: g.log,
                sourceLabel: source.label,
                targetLabel: target.label,
                sourceId: stateIdOf(source),
                targetId: stateIdOf(target),
                lost: result.lostFields,
                stateDir: g.state,
                create: !dryRun,
                width: process.stderr.isTTY ? process.stderr.columns : undefined,
              });
              if (result.passwordResets > 0) g.log.info(`note: ${result.passwordResets} ${result.passwordResets === 1 ? 'customer has' : 'customers have'} a password hash in the source, which is never sent: they will need to set a password on the target`);
              if (result.rejectsWritten > 0) g.log.info(`rejected records written to ${flags.rejects}`);
              if (flags.report) g.log.info(`report written to ${flags.report}`);
              const mode = result.readPlan.mode ? `${result.readPlan.mode} · ` : '';
              printSummary(g.log, `${dryRun ? 'dry run: ' : ''}${mode}${formatCounts(result.counts)}`, {
                ...result.counts,
                ...result.readPlan.fields,
                ...(result.run ? { run: result.run.id } : {}),
                ...(dryRun ? { dryRun } : {}),
              });
              if (result.error) {
                const resume = resumeCommand(commandLine, undefined);
                if (stopper.signal.aborted) {
                  g.log.info(`run #${result.run?.id} was stopped; what the target confirmed is kept. Resume it with:\n  ${resume}`);
                  process.exitCode = interruptedExitCode;
                  return;
                }
                if (result.run) g.log.info(`run #${result.run.id} is unfinished: fix the cause, then resume it with:\n  ${resume}`);
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
