import { Command } from 'commander';
import { planRecords, pushRecords } from '../core/push.js';
import { exitCodeFor, formatCounts } from '../core/summary.js';
import { openRejects } from '../io/rejects.js';
import { maskPayload } from '../core/mask.js';
import { checkInput } from '../io/check-input.js';
import { choice, delimiterOption, encodingOption, fileOptions, formatOfPath, globals, maxBytesOption, withEndpoint } from './shared.js';
import type { WriteResult } from '../core/dialect.js';
import { formFormats, parseInput, readThrough, settleInput, type SettledInput } from './input-file.js';
import { lostFieldNotes } from './lost-fields.js';
import { checkMaxBytesTarget } from './output.js';

/** `custsync push`: load canonical customers from a CSV/JSONL file (or stdin) into a target. */
export function pushCommand(): Command {
  return new Command('push')
    .description('load customers from a CSV or JSONL file (or stdin) into a target')
    .requiredOption('--to <dst>', 'profile name, csv:PATH, jsonl:PATH, shopify-csv:PATH (woocommerce-csv:, matrixify-csv:), - (stdout) or sandbox:ID')
    .option('--input <file>', 'CSV or JSONL file to read, - for stdin; a CSV\'s form (canonical, Shopify, WooCommerce, Matrixify) is recognised by its header, or named by a prefix (shopify-csv:FILE)', '-')
    .option('--format <format>', `input form: csv, jsonl, ${formFormats().join(', ')} (default: from the prefix, the extension, or the header)`, choice('--format', ['csv', 'jsonl', ...formFormats()]))
    .option('--mode <mode>', 'upsert (default): create or update; create: new only; update: existing only', choice('--mode', ['upsert', 'create', 'update'] as const), 'upsert')
    .option('--dry-run', 'read, map and match against the target, print what would be sent, send nothing (exit 1 if records would be rejected)')
    .option('--rejects <file>', 'write rejected records here, with a leading reason column, to fix and push again')
    .option('--raw-csv', 'CSV cells as they are (no formula guard) in files written')
    .option('--ignore-unknown-columns', 'accept CSV input columns that are not canonical')
    .addOption(delimiterOption())
    .addOption(encodingOption())
    .addOption(maxBytesOption())
    .addHelpText(
      'after',
      `
A CSV without a key column (email,first_name,last_name) is keyed by its emails.

Examples:
  custsync push --to propeller --input customers.csv --rejects rejects.csv
  custsync push --to csv:out.csv --input in.jsonl
  custsync push --to propeller --input shopify-csv:customers_export.csv
  custsync push --to shopify-csv:import.csv --input woocommerce.csv --encoding windows-1252 --delimiter ";"
  custsync pull --from spiffy | custsync push --to cabinetry --dry-run`,
    )
    .action(async (flags, command: Command) => {
      const g = globals(command);
      const file = fileOptions(flags);
      const named = parseInput(flags.input, flags.format);
      const format = named.dialectId === 'jsonl' ? 'jsonl' : 'csv';
      // Which form the input is in (its header tells, unless named) and how it is decoded: settled on its first read.
      let settled: SettledInput | undefined;
      // The whole input is checked before anything is sent: a bad line is exit 2 with nothing sent.
      const input = await checkInput({
        path: named.path,
        format,
        file,
        read: async function* (path, label) {
          settled = await settleInput(path, label, { dialectId: named.dialectId, file, log: g.log, command: 'push' });
          yield* readThrough(settled.dialect, path, settled.file, g.log, '--input');
        },
      });
      try {
        await withEndpoint(flags.to, { profilesFile: g.profiles, log: g.log, concurrency: g.concurrency, file, flag: '--to' }, async (target) => {
          checkMaxBytesTarget(file.maxBytes, target);
          await withEndpoint(`${settled!.dialect.id}:${input.path}`, { log: g.log, file: settled!.file, flag: '--input' }, async (source) => {
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
            const rejects = flags.rejects ? await openRejects(flags.rejects, rejectsFormat, file.rawCsv) : undefined;
            g.log.info(`push: ${input.count} records from ${input.label} to ${target.label} (${target.dialect.id}, mode ${flags.mode})`);
            const lost = lostFieldNotes(target);
            const outcome = await pushRecords({
              records,
              target,
              mode: flags.mode,
              onResult: (result) => lost.count(result.record),
              refuse: (_record, position) => input.duplicates.get(position),
              onProblem: async (result: WriteResult) => {
                if (rejects) await rejects.add(result);
                else g.log.warn(`${result.status} ${result.key}: ${result.reason ?? ''}`);
              },
            });
            await rejects?.close();
            lost.report(g.log);
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
