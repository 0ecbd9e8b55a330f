import { Command } from 'commander';
import { pullRecords } from '../core/pull.js';
import { choice, collect, fileOptions, formatOfPath, globals, parseSince, parseWhere, positiveInt, withEndpoint } from './shared.js';
import { openSink } from '../io/sink.js';

/** `custsync pull`: read customers from a source and write them out as CSV, JSONL or JSON. */
export function pullCommand(): Command {
  return new Command('pull')
    .description('read customers from a source and write them to stdout or a file (CSV, JSONL or JSON)')
    .requiredOption('--from <src>', 'profile name, csv:PATH, jsonl:PATH, - (stdin) or sandbox:ID')
    .option('--format <format>', 'csv (default), jsonl or json', choice('--format', ['csv', 'jsonl', 'json'] as const))
    .option('-o, --output <file>', 'write to FILE instead of stdout (format from its extension unless --format)')
    .option('--since <iso>', 'only customers changed at or after this instant (no offset = UTC)')
    .option('--where <expr>', 'filter "field OP value", OP one of = != ~ > >= < <= (repeatable)', collect)
    .option('--fields <list>', 'comma-separated fields or CSV columns to write')
    .option('--limit <n>', 'stop after N customers', positiveInt('--limit'))
    .option('--raw-csv', 'write cells as they are (no leading \' before spreadsheet formulas)')
    .option('--ignore-unknown-columns', 'accept CSV columns and JSONL keys of the input that are not canonical')
    .option('--force', 'replace the -o file if it exists')
    .addHelpText(
      'after',
      `
-o FILE is written under a temporary name beside FILE and renamed when the
pull is complete: a pull that fails leaves no FILE. An existing FILE is
replaced only with --force.

Examples:
  custsync pull --from spiffy > customers.csv
  custsync pull --from sandbox:resultset --format jsonl -o customers.jsonl
  custsync pull --from csv:in.csv --format jsonl > out.jsonl
  custsync pull --from propeller --since 2026-01-01 --where "email ~ @example.com"`,
    )
    .action(async (flags, command: Command) => {
      const g = globals(command);
      const format = flags.format ?? formatOfPath(flags.output) ?? 'csv';
      const query = { since: parseSince(flags.since), where: parseWhere(flags.where), limit: flags.limit };
      const file = fileOptions(flags);
      await withEndpoint(flags.from, { profilesFile: g.profiles, log: g.log, concurrency: g.concurrency, file, flag: '--from' }, async (source) => {
        const sink = await openSink({ path: flags.output, format, fields: flags.fields, rawCsv: file.rawCsv, force: file.force });
        g.log.info(`pull: reading from ${source.label} (${source.dialect.id})`);
        const count = await pullRecords(source, query, sink);
        g.log.summary(`read ${count}`);
      });
    });
}
