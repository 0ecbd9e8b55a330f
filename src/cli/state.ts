import { Command } from 'commander';
import { copyState } from '../core/state/copy.js';
import { registerStatePassword } from '../core/state/state-spec.js';
import { globals } from './shared.js';

/** `custsync state copy`: moves a whole state between a directory (SQLite) and a PostgreSQL database, either way. */
export function stateCommand(): Command {
  const spec = (value: string) => {
    registerStatePassword(value);
    return value;
  };
  const state = new Command('state')
    .description('manage the state itself (runs, crosswalk, snapshots, bookmarks): copy it to another place')
    .addHelpText(
      'after',
      `
The state is a directory (SQLite, the default ./.custsync) or a PostgreSQL
database (--state postgres://USER[:PASSWORD]@HOST[:PORT]/DB, or $CUSTSYNC_STATE).

Examples:
  custsync migrate --from sandbox:resultset --to sandbox:propeller --state demo-state
  custsync state copy --from demo-state --to demo-copy`,
    );
  state
    .command('copy')
    .description('copy a whole state from a directory or postgres:// URL to an empty one (either way), e.g. to move cron into containers')
    .requiredOption('--from <dir|url>', 'the state to copy: a state directory (state.db in it) or postgres://USER[:PASSWORD]@HOST[:PORT]/DB', spec)
    .requiredOption('--to <dir|url>', 'where to: a new directory, or a PostgreSQL database without custsync state in it', spec)
    .addHelpText(
      'after',
      `
Copies runs (with their ids), checkpoints, the crosswalk with its content hashes,
records in flight, snapshots, bookmarks and the run history. The source is read
as of one moment; the destination is written in one transaction, and one that
holds state already is refused (nothing is merged). Stop the runs that use the
source first: a state that a run is using is refused. \${VAR} in a URL is
replaced from the environment; the password is never printed. Into PostgreSQL:
  custsync state copy --from /srv/custsync/state --to 'postgres://custsync:\${PGPASSWORD}@db.internal:5432/custsync'

Examples:
  custsync migrate --from sandbox:resultset --to sandbox:propeller --state demo-state
  custsync state copy --from demo-state --to demo-copy
  custsync runs --state demo-copy`,
    )
    .action(async (flags: { from: string; to: string }, command: Command) => {
      const g = globals(command);
      const result = await copyState(flags.from, flags.to);
      const n = (table: string) => (result.rows[table] ?? 0).toLocaleString('en-US');
      g.log.summary(
        `copied ${result.from} → ${result.to}: runs ${n('runs')} · crosswalk ${n('crosswalk')} · in flight ${n('pending')} · snapshots ${n('snapshots')} (${n('snapshot_records')} records) · bookmarks ${n('bookmarks')}`,
      );
    });
  return state;
}
