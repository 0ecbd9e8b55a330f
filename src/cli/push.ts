import { Command } from 'commander';
import { planRecords, pushRecords } from '../core/push.js';
import { unchangedCheck } from '../core/unchanged.js';
import { exitCodeFor, formatCounts } from '../core/summary.js';
import { openRejects } from '../io/rejects.js';
import { maskPayload } from '../core/mask.js';
import { checkInput } from '../io/check-input.js';
import { checkFileTarget, choice, delimiterOption, encodingOption, fileOptions, formatOfPath, globals, maxBytesOption, withEndpoint } from './shared.js';
import { formFormats, parseInput, readThrough, settleInput, type SettledInput } from './input-file.js';
import { checkMaxBytesTarget } from './output.js';
import type { WriteResult } from '../core/dialect.js';
import type { Customer } from '../core/customer.js';
import { lostFields, stateIdOf } from '../core/migrate/index.js';
import { emptyCounts, type RunCounts } from '../core/summary.js';
import type { Endpoint } from '../dialects/endpoint.js';
import { interruptNow } from '../ui/interrupt.js';
import { showLostFields } from '../ui/notes.js';
import { Progress } from '../ui/progress.js';
import { printSummary } from '../ui/summary.js';

/** `custsync push`: load canonical customers from a CSV/JSONL file (or stdin) into a target. */
export function pushCommand(): Command {
  return new Command('push')
    .description('load customers from a CSV or JSONL file (or stdin) into a target')
    .requiredOption('--to <dst>', 'profile name, csv:PATH, jsonl:PATH, shopify-csv:PATH (woocommerce-csv:, matrixify-csv:), - (stdout) or sandbox:ID')
    .option('--input <file>', 'CSV or JSONL file to read, - for stdin; a CSV\'s form (canonical, Shopify, WooCommerce, Matrixify) is recognised by its header, or named by a prefix (shopify-csv:FILE)', '-')
    .option('--format <format>', `input form: csv, jsonl, ${formFormats().join(', ')} (default: from the prefix, the extension, or the header)`, choice('--format', ['csv', 'jsonl', ...formFormats()]))
    .option('--mode <mode>', 'upsert (default): create or update; create: new only; update: existing only', choice('--mode', ['upsert', 'create', 'update'] as const), 'upsert')
    .option('--dry-run', 'make every check the push makes without sending (cells, duplicates, what the target would refuse, a lookup of each record), print what would be sent, send nothing; exits as the push would')
    .option('--rejects <file>', 'write rejected records here, with a leading reason column, to fix and push again')
    .option('--raw-csv', 'CSV cells as they are (no formula guard) in files written')
    .option('--ignore-unknown-columns', 'accept CSV columns and JSONL keys that are not canonical')
    .option('--force', 'replace a target file or rejects file that exists')
    .addOption(delimiterOption())
    .addOption(encodingOption())
    .addOption(maxBytesOption())
    .addHelpText(
      'after',
      `
The input is read whole first: a file that is not CSV/JSONL at all (an
unclosed quote, a line that is not JSON, a wrong number of cells, an unknown
column) is exit 2 with nothing sent. A line whose cells do not validate (a bad
date, gender, boolean, number or email) is rejected with a reason naming the
line and every bad column, and the rest is sent.

Without --input, push reads stdin (and says so on a terminal).
A CSV without a key column (email,first_name,last_name) is keyed by its emails.

A target file (csv:FILE, jsonl:FILE) that exists is replaced only with
--force; with an explicit --mode it is updated by key instead. Files are
written under a temporary name and renamed when complete.

Examples:
  custsync pull --from sandbox:spiffy -o customers.csv
  custsync push --to sandbox:propeller --input customers.csv --rejects rejects.csv
  custsync push --to jsonl:copy.jsonl --input customers.csv
  custsync push --to jsonl:copy.jsonl --input customers.csv --mode upsert
  custsync push --to shopify-csv:import.csv --input customers.csv
  custsync pull --from sandbox:spiffy | custsync push --to sandbox:cabinetry --dry-run`,
    )
    .action(async (flags, command: Command) => {
      const g = globals(command);
      const file = fileOptions(flags);
      const named = parseInput(flags.input, flags.format);
      const format = named.dialectId === 'jsonl' ? 'jsonl' : 'csv';
      // Which form the input is in (its header tells, unless named) and how it is decoded: settled on its first read.
      let settled: SettledInput | undefined;
      // An input line whose cells do not validate is rejected, not the end of the run (SPEC section 6).
      const inputFile = { ...file, rejectInvalid: true };
      // Someone who forgot --input should not wonder why nothing happens.
      if (named.path === '-' && process.stdin.isTTY) g.log.info(`push: reading customers from stdin (${format === 'jsonl' ? 'JSONL' : 'CSV'}); end with Ctrl-D, or give --input FILE`);
      // The whole input is checked before anything is sent: a file that is not CSV/JSONL is exit 2 with nothing sent.
      const input = await checkInput({
        path: named.path,
        format,
        file: inputFile,
        read: async function* (path, label) {
          settled = await settleInput(path, label, { dialectId: named.dialectId, file: inputFile, log: g.log, command: 'push' });
          yield* readThrough(settled.dialect, path, settled.file, g.log, '--input');
        },
      });
      if (input.invalid > 0) g.log.info(`push: ${input.invalid} ${input.invalid === 1 ? 'line' : 'lines'} of ${input.label} with cells that do not validate will be rejected; the rest is sent`);
      // A file target that exists: updated by key when --mode was given, else replaced only with --force.
      const targetFile = { ...file, mergeExisting: command.getOptionValueSource('mode') === 'cli' };
      try {
        await withEndpoint(flags.to, { profilesFile: g.profiles, log: g.log, concurrency: g.concurrency, file: targetFile, flag: '--to' }, async (target) => {
          checkMaxBytesTarget(file.maxBytes, target);
          await checkFileTarget(target);
          await withEndpoint(`${settled!.dialect.id}:${input.path}`, { log: g.log, file: settled!.file, flag: '--input' }, async (source) => {
            const lost = new Map<string, number>();
            const records = noteLostFields(source.dialect.read(source.ctx, { where: [] }), target, lost);
            const live = g.progress && !(target.dialect.kind === 'file' && target.ctx.profile.path === '-' && process.stdout.isTTY);
            const progress = await Progress.start({ enabled: live, log: g.log, command: 'push', title: `push ${input.label} → ${target.label}${flags.dryRun ? ' (dry run)' : ''}` });
            const writing = progress.meter(flags.dryRun ? `match ${target.label}` : `write ${target.label}`, input.count);
            let counts: RunCounts = emptyCounts();
            const onCounts = (now: RunCounts) => {
              counts = now;
              writing.set(now.created + now.updated + now.unchanged + now.rejected + now.failed);
              writing.counts(now);
            };
            const notes = () =>
              showLostFields({ log: g.log, sourceLabel: input.label, targetLabel: target.label, sourceId: input.label, targetId: stateIdOf(target), lost, stateDir: g.state, create: false, width: process.stderr.isTTY ? process.stderr.columns : undefined });
            const stop = interruptNow('push', async () => {
              await progress.stop();
              printSummary(g.log, formatCounts(counts), { ...counts });
              g.log.info(`push: stopped; records in flight may have landed. Push the same input again to complete it (an upsert updates what is there, it does not duplicate it)`);
            });
            try {
              if (flags.dryRun) {
                progress.phase(`push --dry-run: ${input.count} records from ${input.label} to ${target.label}; nothing is sent`);
                // What the real push finds unchanged, without sending (core/unchanged.ts).
                const held = flags.mode === 'create' ? undefined : await unchangedCheck(target);
                const planned = await planRecords({
                  records,
                  target,
                  mode: flags.mode,
                  previews: 3,
                  classify: async (record, position) => {
                    const reason = input.duplicates.get(position);
                    if (reason !== undefined) return { status: 'rejected', reason };
                    return held && (await held(record)) ? { status: 'unchanged' } : undefined;
                  },
                  onResult: (result, now) => {
                    onCounts(now);
                    if (result.status === 'rejected') g.log.warn(`would reject ${result.key}: ${result.reason ?? ''}`);
                  },
                  onPreview: (record, payload) => g.log.summary(`would send ${record.key}: ${JSON.stringify(maskPayload(payload))}`),
                });
                stop();
                await progress.stop();
                await notes();
                printSummary(g.log, `dry run: ${formatCounts(planned)}`, { ...planned, dryRun: true });
                // The exit code the real run would have: 1 when records would be rejected.
                process.exitCode = exitCodeFor(planned);
                return;
              }
              // The rejects file takes the form its name says (.jsonl/.csv), else the input's.
              const rejectsFormat = formatOfPath(flags.rejects) === 'jsonl' ? 'jsonl' : formatOfPath(flags.rejects) === 'csv' ? 'csv' : format;
              const rejects = flags.rejects ? await openRejects(flags.rejects, rejectsFormat, file.rawCsv, file.force) : undefined;
              progress.phase(`push: ${input.count} records from ${input.label} to ${target.label} (${target.dialect.id}, mode ${flags.mode})`);
              const outcome = await pushRecords({
                records,
                target,
                mode: flags.mode,
                refuse: (_record, position) => input.duplicates.get(position),
                onResult: (_result, now) => onCounts(now),
                onProblem: async (result: WriteResult) => {
                  if (rejects) await rejects.add(result);
                  else g.log.warn(`${result.status} ${result.key}: ${result.reason ?? ''}`);
                },
              });
              await rejects?.close();
              stop();
              await progress.stop();
              await notes();
              if (rejects && rejects.count > 0) g.log.info(`rejected records written to ${flags.rejects}`);
              printSummary(g.log, formatCounts(outcome.counts), { ...outcome.counts });
              if (outcome.error) throw outcome.error;
              process.exitCode = exitCodeFor(outcome.counts);
            } finally {
              stop();
              await progress.stop();
            }
          });
        });
      } finally {
        await input.cleanup();
      }
    });
}

/** Counts, per field, the records with a value there that the target cannot hold (for the "cannot hold" note). */
async function* noteLostFields(records: AsyncIterable<Customer>, target: Endpoint, lost: Map<string, number>): AsyncGenerator<Customer> {
  for await (const record of records) {
    if (target.dialect.project) {
      try {
        for (const path of lostFields(record, target.dialect.project(record, target.ctx))) lost.set(path, (lost.get(path) ?? 0) + 1);
      } catch {
        // A record the target cannot take at all is rejected by the write, with its reason.
      }
    }
    yield record;
  }
}
