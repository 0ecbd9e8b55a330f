import { Command } from 'commander';
import { parseDuration } from '../core/duration.js';
import { checkReadFlags, markReadStart, type ReadFlags } from '../core/incremental.js';
import { pullRecords } from '../core/pull.js';
import type { ReadQuery } from '../core/query.js';
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
    .option('--incremental', 'only what changed since the last complete pull with the same --bookmark (kept in --state DIR)')
    .option('--bookmark <name>', 'with --incremental: the name of the bookmark, e.g. nightly-export')
    .option('--lookback <span>', 'with --incremental: also read this much before the last pull began (default 10m)')
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

--incremental --bookmark NAME writes only what changed since the last
complete pull of that bookmark began (by the source server's clock, minus
--lookback); the bookmark moves only once the output is complete. JSONL
appends cleanly: custsync pull --from shop --incremental --bookmark nightly --format jsonl >> changes.jsonl

Examples:
  custsync pull --from sandbox:spiffy > customers.csv
  custsync pull --from sandbox:resultset --format jsonl -o customers.jsonl
  custsync pull --from csv:customers.csv --format jsonl > customers-again.jsonl
  custsync pull --from sandbox:propeller --since 2020-01-01 --where "email ~ .net" --limit 10
  custsync pull --from sandbox:spiffy --format shopify -o shopify-import.csv --max-bytes 1000000
  custsync pull --from sandbox:spiffy --incremental --bookmark nightly -o changes.csv --force`,
    )
    .action(async (flags, command: Command) => {
      const g = globals(command);
      const format = flags.format ?? formatOfPath(flags.output) ?? 'csv';
      const readFlags: ReadFlags = {
        incremental: flags.incremental === true,
        lookbackMs: flags.lookback === undefined ? undefined : parseDuration(flags.lookback, '--lookback'),
        since: parseSince(flags.since),
        where: parseWhere(flags.where),
        limit: flags.limit,
      };
      checkReadFlags({ ...readFlags, lookbackGiven: flags.lookback !== undefined, bookmarkName: flags.bookmark }, 'pull');
      const file = fileOptions(flags);
      await withEndpoint(flags.from, { profilesFile: g.profiles, log: g.log, concurrency: g.concurrency, file, flag: '--from' }, async (source) => {
        // --incremental: its bookmark decides what is read (loaded only then: a plain pull opens no state).
        const incremental = readFlags.incremental ? await import('../core/pull-incremental.js') : undefined;
        const plan = incremental ? await incremental.planPull({ flags: readFlags, stateDir: g.state, name: flags.bookmark, source, log: g.log }) : undefined;
        const query: ReadQuery = plan?.query ?? { since: readFlags.since, where: readFlags.where, limit: readFlags.limit };
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
        const readStart = markReadStart(source);
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
        // The bookmark moves only once the output is complete (pullRecords closed it).
        if (plan && incremental) await incremental.savePullBookmark(plan, g.state, readStart, source, g.log);
        printSummary(g.log, `${plan?.mode ? `${plan.mode} · ` : ''}read ${count}`, { ...plan?.fields, read: count });
      });
    });
}

