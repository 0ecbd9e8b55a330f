import { Command } from 'commander';
import { pullRecords } from '../core/pull.js';
import { choice, collect, delimiterOption, encodingOption, fileOptions, formatOfPath, globals, maxBytesOption, parseSince, parseWhere, positiveInt, withEndpoint } from './shared.js';
import { formFormats } from './input-file.js';
import { openOutput } from './output.js';
import { interruptNow } from '../ui/interrupt.js';
import { Progress, totalOf } from '../ui/progress.js';
import { printSummary } from '../ui/summary.js';

/** `custsync pull`: read customers from a source and write them out as CSV, JSONL or JSON. */
export function pullCommand(): Command {
  return new Command('pull')
    .description('read customers from a source and write them to stdout or a file (CSV, JSONL or JSON)')
    .requiredOption('--from <src>', 'profile name, csv:PATH, jsonl:PATH, shopify-csv:PATH (woocommerce-csv:, matrixify-csv:), - (stdin) or sandbox:ID')
    .option('--format <format>', `csv (default), jsonl, json, or a platform's customer CSV: ${formFormats().join(', ')}`, choice('--format', ['csv', 'jsonl', 'json', ...formFormats()]))
    .option('-o, --output <file>', 'write to FILE instead of stdout (format from its extension unless --format)')
    .option('--since <iso>', 'only customers changed at or after this instant (no offset = UTC)')
    .option('--where <expr>', 'filter "field OP value", OP one of = != ~ > >= < <= (repeatable)', collect)
    .option('--fields <list>', 'comma-separated fields or CSV columns to write')
    .option('--limit <n>', 'stop after N customers', positiveInt('--limit'))
    .option('--raw-csv', 'write cells as they are (no leading \' before spreadsheet formulas)')
    .option('--ignore-unknown-columns', 'accept CSV columns and JSONL keys of the input that are not canonical')
    .option('--force', 'replace the -o file if it exists')
    .addOption(delimiterOption())
    .addOption(encodingOption())
    .addOption(maxBytesOption())
    .addHelpText(
      'after',
      `
-o FILE is written under a temporary name beside FILE and renamed when the
pull is complete: a pull that fails leaves no FILE. An existing FILE is
replaced only with --force.

With a profile instead of sandbox:ID: custsync pull --from spiffy > customers.csv

Examples:
  custsync pull --from sandbox:spiffy > customers.csv
  custsync pull --from sandbox:resultset --format jsonl -o customers.jsonl
  custsync pull --from csv:customers.csv --format jsonl > customers-again.jsonl
  custsync pull --from sandbox:propeller --since 2020-01-01 --where "email ~ .net" --limit 10
  custsync pull --from sandbox:spiffy --format shopify -o shopify-import.csv --max-bytes 1000000`,
    )
    .action(async (flags, command: Command) => {
      const g = globals(command);
      const format = flags.format ?? formatOfPath(flags.output) ?? 'csv';
      const query = { since: parseSince(flags.since), where: parseWhere(flags.where), limit: flags.limit };
      const file = fileOptions(flags);
      await withEndpoint(flags.from, { profilesFile: g.profiles, log: g.log, concurrency: g.concurrency, file, flag: '--from' }, async (source) => {
        const sink = await openOutput({ path: flags.output, format, fields: flags.fields, rawCsv: file.rawCsv, maxBytes: flags.maxBytes, force: file.force, log: g.log });
        const progress = await Progress.start({
          // Records on a terminal's stdout and a live area on the same terminal would tear each other.
          enabled: g.progress && (flags.output !== undefined || !process.stdout.isTTY),
          log: g.log,
          command: 'pull',
          title: `pull ${source.label} → ${flags.output ?? 'stdout'}`,
        });
        const reading = progress.meter('read', await totalOf(progress.isLive, source, query));
        const stop = interruptNow('pull', async () => {
          await progress.stop();
          printSummary(g.log, `read ${reading.done}`, { read: reading.done });
          g.log.info(`pull: stopped after ${reading.done} records; ${flags.output ?? 'the output'} is incomplete`);
        });
        progress.phase(`pull: reading from ${source.label} (${source.dialect.id})`);
        let count: number;
        try {
          count = await pullRecords(source, query, {
            write: async (record) => {
              await sink.write(record);
              reading.add();
            },
            end: () => sink.end(),
            abort: sink.abort && (() => sink.abort!()),
          });
        } finally {
          stop();
          await progress.stop();
        }
        printSummary(g.log, `read ${count}`, { read: count });
      });
    });
}

