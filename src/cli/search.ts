import { Command } from 'commander';
import { parseCondition } from '../core/query.js';
import { pullRecords } from '../core/pull.js';
import { tableSink } from '../ui/table.js';
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
Examples:
  custsync search --in spiffy --email bilbo@example.com
  custsync search --in cabinetry --name kitchens --format json
  custsync search --in sandbox:propeller --where "groups = vip" --where "email ~ @example.com"`,
    )
    .action(async (flags, command: Command) => {
      const g = globals(command);
      const where = parseWhere(flags.where);
      if (flags.email) where.push(parseCondition(`email = ${flags.email}`));
      if (flags.name) where.push(parseCondition(`name ~ ${flags.name}`));
      const query = { where, limit: flags.limit };
      await withEndpoint(flags.in, { profilesFile: g.profiles, log: g.log, concurrency: g.concurrency, file: fileOptions({ encoding: flags.encoding, delimiter: flags.delimiter }), flag: '--in' }, async (source) => {
        const sink = flags.format === 'table' ? tableSink(process.stdout) : await openOutput({ format: flags.format, rawCsv: false, log: g.log });
        const count = await pullRecords(source, query, sink);
        g.log.summary(`read ${count}`);
      });
    });
}
