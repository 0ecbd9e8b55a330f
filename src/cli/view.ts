import type { Command } from 'commander';
import type { Logger } from '../ui/logger.js';
import { Progress } from '../ui/progress.js';
import { canDisplay, envFlag } from '../ui/terminal.js';

/**
 * The start of a command that has an ink view (search, diff): the view is
 * drawn on stdout for a person at a terminal, unless a `--format` was asked
 * for (then stdout is the document) or under `CI`; otherwise progress goes
 * to stderr as for every command.
 */
export async function startViewProgress(
  command: Command,
  g: { progress: boolean; log: Logger },
  name: string,
  title: string,
): Promise<{ view: boolean; live: boolean; progress: Progress }> {
  const view = command.getOptionValueSource('format') === 'default' && canDisplay(process.stdout) && !envFlag(process.env, 'CI');
  const live = view || (g.progress && !process.stdout.isTTY);
  const progress = await Progress.start({ enabled: live, stream: view ? process.stdout : process.stderr, log: g.log, command: name, title });
  return { view, live, progress };
}
