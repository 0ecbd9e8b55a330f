import { Command } from 'commander';
import { UserError } from '../core/errors.js';

/** `custsync diff`: placeholder. */
export function diffCommand(): Command {
  return new Command('diff')
    .description('compare customers between two systems, or with the last snapshot')
    .action(() => {
      throw new UserError('diff is not available in this build yet');
    });
}
