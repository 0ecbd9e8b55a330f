import { Command } from 'commander';
import { parseCondition } from '../core/query.js';
import { pullRecords } from '../core/pull.js';
import { tableCells, tableLayout, tableLine, tableSink, tableTitles } from '../ui/table.js';
import type { RecordSink } from '../core/pull.js';
import { interruptNow } from '../ui/interrupt.js';
import { totalOf, type Progress } from '../ui/progress.js';
import { formatDuration } from '../ui/rate.js';
import { printSummary } from '../ui/summary.js';
import { palette, useColour } from '../ui/terminal.js';
import { startViewProgress } from './view.js';
import { choice, collect, delimiterOption, encodingOption, fileOptions, globals, parseWhere, positiveInt, withEndpoint } from './shared.js';
import { formFormats } from './input-file.js';
import { openOutput } from './output.js';

/** `custsync search`: find customers in a source, by email, name or any --where. */
export function searchCommand(): Command {
  return new Command('search')
    .description('find customers in a source by email, name or any field')
    .requiredOption('--in <src>', 'profile name, csv:PATH, jsonl:PATH, shopify-csv:PATH (woocommerce-csv:, matrixify-csv:) or sandbox:ID')
    .option('--where <expr>', 'filter "field OP value", OP one of = != ~ > >= < <= (repeatable)', collect)
    .option('--email <email>', 'exact email (case-insensitive)')
    .option('--name <text>', 'part of the name or company (case-insensitive)')
    .option('--format <format>', `table (default), json, csv, jsonl, or a platform's customer CSV: ${formFormats().join(', ')}`, choice('--format', ['table', 'json', 'csv', 'jsonl', ...formFormats()]), 'table')
    .option('--limit <n>', 'at most N results', positiveInt('--limit'))
    .addOption(delimiterOption())
    .addOption(encodingOption())
    .addHelpText(
      'after',
      `
On a terminal the matches are a table sized to it, with the count and the
time taken; piped (or with --format) the output is a document, and a table
cell is never cut. No match says "no customers match" on stderr.

Examples:
  custsync search --in sandbox:spiffy --email harrison.obrien.1@tedious-promise.net.au
  custsync search --in sandbox:cabinetry --name van --format json
  custsync search --in sandbox:propeller --where "groups = vip" --where "email ~ .com"`,
    )
    .action(async (flags, command: Command) => {
      const g = globals(command);
      const where = parseWhere(flags.where);
      if (flags.email) where.push(parseCondition(`email = ${flags.email}`));
      if (flags.name) where.push(parseCondition(`name ~ ${flags.name}`));
      const query = { where, limit: flags.limit };
      await withEndpoint(flags.in, { profilesFile: g.profiles, log: g.log, concurrency: g.concurrency, file: fileOptions({ encoding: flags.encoding, delimiter: flags.delimiter }), flag: '--in' }, async (source) => {
        const { view, live, progress } = await startViewProgress(command, g, 'search', `search ${source.label}`);
        const matches = progress.meter('matches', await totalOf(live, source, query));
        const started = Date.now();
        const sink = view ? viewSink(progress) : flags.format === 'table' ? tableSink(process.stdout) : await openOutput({ format: flags.format, rawCsv: false, log: g.log });
        const stop = interruptNow('search', async () => {
          await progress.stop();
          printSummary(g.log, `read ${matches.done}`, { read: matches.done });
        });
        let count: number;
        try {
          count = await pullRecords(source, query, {
            write: async (record) => {
              await sink.write(record);
              matches.add();
            },
            end: () => sink.end(),
          });
          if (view) {
            const paint = palette(useColour(process.stdout));
            progress.print(`${count === 0 ? paint.yellow('no customers match') : paint.bold(`${count} ${count === 1 ? 'customer matches' : 'customers match'}`)} ${paint.dim(`· ${formatDuration(Date.now() - started)}`)}\n`);
          }
        } finally {
          stop();
          await progress.stop();
        }
        if (count === 0 && !view) g.log.info('no customers match');
        printSummary(g.log, `read ${count}`, { read: count });
      });
    });
}

/** The search table on a terminal: sized to it, the header in bold, rows above the live count. */
function viewSink(progress: Progress): RecordSink {
  const widths = tableLayout(process.stdout.columns);
  const paint = palette(useColour(process.stdout));
  let header = false;
  const head = () => {
    if (!header) progress.print(paint.bold(tableLine(tableTitles, widths, true)));
    header = true;
  };
  return {
    async write(record) {
      head();
      progress.print(tableLine(tableCells(record), widths, true));
    },
    async end() {
      // An empty result has no header: the line under the table says that no customer matches.
    },
  };
}
