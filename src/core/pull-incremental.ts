import type { Dialect, DialectContext } from './dialect.js';
import { planRead, saveBookmark, type ReadFlags, type ReadPlan, type ReadStart } from './incremental.js';
import { stateIdOf } from './migrate/index.js';
import { bookmarksOf, openState } from './state/open.js';
import type { Logger } from '../ui/logger.js';

/**
 * `pull --incremental --bookmark NAME`: the bookmarks of `core/incremental.ts`
 * for exports, kept in the state database of `--state DIR`. A bookmark
 * belongs to one source and one set of `--where` conditions: a pull of
 * anything else under its name is refused (exit 2), as it would skip what
 * the earlier reads never looked at.
 */
type Source = { dialect: Dialect; ctx: DialectContext; label: string };

export async function planPull(options: { flags: ReadFlags; stateDir: string; name: string; source: Source; log: Logger }): Promise<ReadPlan> {
  const { flags, source } = options;
  const where = flags.where.length > 0 ? ` where ${flags.where.map((c) => `${c.field} ${c.op} ${JSON.stringify(c.value)}`).join(' and ')}` : '';
  const state = await openState(options.stateDir);
  try {
    return await planRead({ flags, bookmarks: bookmarksOf(state), name: options.name, scope: `${stateIdOf(source)}${where}`, source, command: 'pull', log: options.log });
  } finally {
    await state.close();
  }
}

/** Call once the output is complete. */
export async function savePullBookmark(plan: ReadPlan, stateDir: string, start: ReadStart, source: Source, log: Logger): Promise<void> {
  const state = await openState(stateDir);
  try {
    await saveBookmark(plan, bookmarksOf(state), start, source, log, 'pull');
  } finally {
    await state.close();
  }
}
