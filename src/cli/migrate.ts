import { Command } from 'commander';
import { UserError } from '../core/errors.js';

/** `custsync migrate`: placeholder until the migrate issue lands. */
export function migrateCommand(): Command {
  return new Command('migrate')
    .description('move a whole customer base from one system to another, resumable')
    .action(() => {
      throw new UserError('migrate is not available in this build yet');
    });
}
