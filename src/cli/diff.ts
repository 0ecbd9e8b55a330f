import { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { diffStreams, type DiffKey } from '../core/diff.js';
import { diffSinceLast } from '../core/since-last.js';
import type { Customer } from '../core/customer.js';
import { diffRenderer } from '../ui/diff-render.js';
import { choice, fileOptions, globals, withEndpoint } from './shared.js';
import type { Endpoint } from '../dialects/endpoint.js';

/** Fields a target sets for itself: not a difference between two systems. */
const systemFields = ['createdAt', 'updatedAt'];

async function* projected(source: Endpoint, target: Endpoint): AsyncGenerator<Customer> {
  for await (const record of source.dialect.read(source.ctx, { where: [] })) {
    yield target.dialect.project ? target.dialect.project(record, target.ctx) : record;
  }
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
    .addHelpText(
      'after',
      `
Output: text has "+ KEY EMAIL" (only in --from), "- KEY EMAIL" (only in --to),
"~ KEY EMAIL" with indented "field: from -> to" lines; json is one document
{"added","removed","changed","unchanged"}; csv has change,key,email,field,from,to.

Examples:
  custsync diff --from resultset --to propeller
  custsync diff --from spiffy --since-last --format json
  custsync diff --from csv:today.csv --to csv:yesterday.csv --key key --exit-code`,
    )
    .action(async (flags, command: Command) => {
      const g = globals(command);
      if (!flags.to && !flags.sinceLast) throw new UserError('diff needs --to DST or --since-last');
      if (flags.to && flags.sinceLast) throw new UserError('give either --to or --since-last, not both');
      const key: DiffKey = flags.key ?? (flags.sinceLast ? 'key' : 'email');
      const file = fileOptions({});
      const resolve = { profilesFile: g.profiles, log: g.log, concurrency: g.concurrency, file };
      const render = diffRenderer(flags.format, process.stdout);
      let differences = 0;
      await withEndpoint(flags.from, { ...resolve, flag: '--from' }, async (source) => {
        if (flags.sinceLast) {
          const summary = await diffSinceLast({ source, stateDir: g.state, key, sink: render, log: g.log });
          differences = summary.added + summary.removed + summary.changed;
          g.log.summary(`added ${summary.added} · removed ${summary.removed} · changed ${summary.changed} · unchanged ${summary.unchanged}`);
          return;
        }
        await withEndpoint(flags.to, { ...resolve, flag: '--to' }, async (target) => {
          const ignore = key === 'email' ? [...systemFields, 'key'] : systemFields;
          const summary = await diffStreams(projected(source, target), target.dialect.read(target.ctx, { where: [] }), { key, ignore, absentIsNoChange: true }, render);
          differences = summary.added + summary.removed + summary.changed;
          g.log.summary(`added ${summary.added} · removed ${summary.removed} · changed ${summary.changed} · unchanged ${summary.unchanged}`);
        });
      });
      process.exitCode = flags.exitCode && differences > 0 ? 1 : 0;
    });
}
