import { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { diffStreams, parseIgnored, timestampFields, type DiffKey } from '../core/diff.js';
import { diffSinceLast } from '../core/since-last.js';
import type { Customer } from '../core/customer.js';
import { diffRenderer, diffViewRenderer } from '../ui/diff-render.js';
import type { Dialect } from '../core/dialect.js';
import { interruptNow } from '../ui/interrupt.js';
import { totalOf, type Meter } from '../ui/progress.js';
import { printSummary, summaryFormat } from '../ui/summary.js';
import { palette, useColour } from '../ui/terminal.js';
import { startViewProgress } from './view.js';
import { choice, collect, delimiterOption, encodingOption, fileOptions, globals, withEndpoint } from './shared.js';
import type { Endpoint } from '../dialects/endpoint.js';

async function* projected(source: Endpoint, target: Endpoint, meter: Meter): AsyncGenerator<Customer> {
  for await (const record of source.dialect.read(source.ctx, { where: [] })) {
    meter.add();
    yield target.dialect.project ? target.dialect.project(record, target.ctx) : record;
  }
}

async function* counted(records: AsyncIterable<Customer>, meter: Meter): AsyncGenerator<Customer> {
  for await (const record of records) {
    meter.add();
    yield record;
  }
}

/** The endpoint with its reads counted by `meter`, for a core function that reads it itself. */
function countedEndpoint(endpoint: Endpoint, meter: Meter): Endpoint {
  const dialect: Dialect = Object.create(endpoint.dialect, { read: { value: (ctx: Endpoint['ctx'], query: Parameters<Dialect['read']>[1]) => counted(endpoint.dialect.read(ctx, query), meter) } });
  return { ...endpoint, dialect, close: () => endpoint.close() };
}

/** `custsync diff`: what a migration from A to B would change, or what changed in A since the last run. */
export function diffCommand(): Command {
  return new Command('diff')
    .description('compare customers between two systems, or with the snapshot of the last run')
    .requiredOption('--from <src>', 'the newer side: profile name, csv:PATH, jsonl:PATH or sandbox:ID')
    .option('--to <dst>', 'the other system (what a migration from --from would change there)')
    .option('--since-last', 'compare --from with the snapshot stored by the last --since-last run, then store the new one')
    .option('--key <key>', 'match records by email (default between systems) or key (default with --since-last)', choice('--key', ['email', 'key'] as const))
    .option('--format <format>', 'text (default), json or csv', choice('--format', ['text', 'json', 'csv'] as const), 'text')
    .option('--exit-code', 'exit 1 when there are differences, 0 when there are none (as git diff)')
    .option('--ignore <field>', 'leave this field out of the comparison, e.g. note, custom, addresses[billing].city (repeatable)', collect)
    .option('--include-timestamps', 'report createdAt/updatedAt changes too (left out by default: systems set them on every write)')
    .addOption(delimiterOption())
    .addOption(encodingOption())
    .addHelpText(
      'after',
      `
Output: text has "+ KEY EMAIL" (only in --from), "- KEY EMAIL" (only in --to),
"~ KEY EMAIL" with indented "field: from -> to" lines; json is one document
{"added","removed","changed","unchanged"}; csv has change,key,email,field,from,to.

Timestamps (createdAt, updatedAt) are not changes unless --include-timestamps:
a platform that re-dates every write would otherwise show each record pushed
again. Deleted customers show as "-" with --since-last, which change filters
(--incremental) never see.

With --quiet, nothing at all is printed when nothing changed (for cron).

Examples:
  custsync diff --from sandbox:resultset --to sandbox:propeller
  custsync diff --from sandbox:spiffy --since-last --format json
  custsync diff --from sandbox:spiffy --since-last --ignore note --ignore custom
  custsync pull --from sandbox:spiffy -o yesterday.csv
  custsync diff --from sandbox:spiffy --to csv:yesterday.csv --key key --exit-code`,
    )
    .action(async (flags, command: Command) => {
      const g = globals(command);
      if (!flags.to && !flags.sinceLast) throw new UserError('diff needs --to DST or --since-last');
      if (flags.to && flags.sinceLast) throw new UserError('give either --to or --since-last, not both');
      const key: DiffKey = flags.key ?? (flags.sinceLast ? 'key' : 'email');
      const ignore = [...parseIgnored(flags.ignore ?? []), ...(flags.includeTimestamps ? [] : timestampFields)];
      const file = fileOptions({ encoding: flags.encoding, delimiter: flags.delimiter });
      const resolve = { profilesFile: g.profiles, log: g.log, concurrency: g.concurrency, file };
      const { view, live, progress } = await startViewProgress(command, g, 'diff', `diff ${flags.from} ${flags.sinceLast ? 'since the last snapshot' : `→ ${flags.to}`}`);
      const render = view ? diffViewRenderer((text) => progress.print(text), palette(useColour(process.stdout))) : diffRenderer(flags.format, process.stdout);
      let differences = 0;
      const report = (summary: { added: number; removed: number; changed: number; unchanged: number }) => {
        differences = summary.added + summary.removed + summary.changed;
        // --quiet for cron: nothing at all when nothing changed, so cron mails only on a change.
        if (g.quiet && differences === 0 && summaryFormat() === 'text') return;
        printSummary(g.log, `added ${summary.added} · removed ${summary.removed} · changed ${summary.changed} · unchanged ${summary.unchanged}`, { ...summary });
      };
      const stop = interruptNow('diff', async () => {
        await progress.stop();
        g.log.info(`diff: stopped before the comparison was complete${flags.sinceLast ? '; the snapshot was not replaced' : ''}`);
      });
      try {
        await withEndpoint(flags.from, { ...resolve, flag: '--from' }, async (source) => {
          const reading = progress.meter(`read ${source.label}`, await totalOf(live, source, { where: [] }));
          if (flags.sinceLast) {
            report(await diffSinceLast({ source: countedEndpoint(source, reading), stateDir: g.state, key, ignore, sink: render, log: g.log }));
            return;
          }
          await withEndpoint(flags.to, { ...resolve, flag: '--to' }, async (target) => {
            const other = progress.meter(`read ${target.label}`, await totalOf(live, target, { where: [] }));
            // Matched by email, the keys of two systems differ by nature.
            const between = key === 'email' ? [...ignore, 'key'] : ignore;
            report(await diffStreams(projected(source, target, reading), counted(target.dialect.read(target.ctx, { where: [] }), other), { key, ignore: between, absentIsNoChange: true }, render));
          });
        });
      } finally {
        stop();
        await progress.stop();
      }
      process.exitCode = flags.exitCode && differences > 0 ? 1 : 0;
    });
}
