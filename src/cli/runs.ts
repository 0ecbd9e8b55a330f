import { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { openState } from '../core/state/open.js';
import { writeChunk } from '../io/streams.js';
import { renderRun, renderRunJson, renderRunList } from '../ui/runs-render.js';
import { useColour } from '../ui/terminal.js';
import { choice, globals, positiveInt } from './shared.js';

/** `custsync runs`: the migrations in the state database, newest first, and one run with its per-record outcomes. */
export function runsCommand(): Command {
  const formatOption = () => choice('--format', ['table', 'json'] as const);
  const show = async (id: number, format: 'table' | 'json', command: Command) => {
    const g = globals(command);
    const history = await openState(g.state, { access: 'read' });
    try {
      const run = await history?.runInfo(id);
      if (!history || !run) throw new UserError(`no run #${id} in ${g.state}`, 'custsync runs lists the runs there; --state DIR names another state directory');
      if (format === 'json') await renderRunJson(run, history.runRecords(run), process.stdout);
      else await renderRun(run, history.runRecords(run), process.stdout, useColour(process.stdout));
    } finally {
      await history?.close();
    }
  };
  const runs = new Command('runs')
    .description('list the migrations in the state database, newest first, or show one with its per-record outcomes')
    .argument('[id]', 'a run to show (as "runs show ID")', positiveInt('run id'))
    .option('--format <format>', 'table (default) or json', formatOption(), 'table')
    .option('--limit <n>', 'at most N runs (default 50)', positiveInt('--limit'), 50)
    .addHelpText(
      'after',
      `
State: done, failed (stopped by an error; resumable), killed-resumable (stopped
by Ctrl-C or killed; resumable), running, abandoned (a later run started over).
A failed or killed run shows the command that resumes it.

Examples:
  custsync migrate --from sandbox:resultset --to sandbox:propeller --state demo-state
  custsync runs --state demo-state
  custsync runs show 1 --state demo-state
  custsync runs --state demo-state --format json`,
    )
    .action(async (id: number | undefined, flags: { format: 'table' | 'json'; limit: number }, command: Command) => {
      if (id !== undefined) return show(id, flags.format, command);
      const g = globals(command);
      const history = await openState(g.state, { access: 'read' });
      try {
        const list = (await history?.listRuns(flags.limit)) ?? [];
        if (flags.format === 'json') {
          await writeChunk(process.stdout, `${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        if (list.length === 0) {
          g.log.info(`no runs in ${g.state}${history ? '' : ' (no state database there)'}`);
          return;
        }
        await renderRunList(list, process.stdout, useColour(process.stdout));
      } finally {
        await history?.close();
      }
    });
  runs
    .command('show')
    .description('one run: where from and to, when, the counts, how it ended, the command that resumes it, and every record\'s outcome (rejected ones with the reason)')
    .argument('<id>', 'the run id (first column of "custsync runs")', positiveInt('run id'))
    .option('--format <format>', 'table (default) or json', formatOption(), 'table')
    .addHelpText(
      'after',
      `
Examples:
  custsync migrate --from sandbox:resultset --to sandbox:propeller --state demo-state
  custsync runs show 1 --state demo-state
  custsync runs show 1 --state demo-state --format json`,
    )
    // `runs` has --format too and, taking options anywhere, may have read it first.
    .action((id: number, flags: { format: 'table' | 'json' }, command: Command) =>
      show(id, command.getOptionValueSource('format') === 'cli' ? flags.format : ((command.parent?.opts().format as 'table' | 'json' | undefined) ?? 'table'), command),
    );
  return runs;
}
