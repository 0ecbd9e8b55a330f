import { BugError, UserError } from '../errors.js';
import type { Bookmark, BookmarkStore } from './bookmarks.js';
import type { StateBackend } from './backend.js';
import { SqliteState } from './sqlite.js';

/**
 * Opens the state named by `--state`: a directory holds an SQLite database
 * (`state.db`); a `postgres://` or `postgresql://` URL names a PostgreSQL
 * database. Callers get a {@link StateBackend} and never learn which.
 */
export interface OpenStateOptions {
  /**
   * `write` (default): open to write, creating the state when there is none.
   * `read`: open to read only (dry runs, `runs`): undefined when there is no
   * state yet; nothing is created.
   * `existing`: open to write only when the state exists already; undefined
   * when not (a push remembers shown notes only where there is a state).
   */
  access?: 'write' | 'read' | 'existing';
}

export const isStateUrl = (spec: string): boolean => /^postgres(ql)?:\/\//i.test(spec);

export async function openState(spec: string, options?: { access?: 'write' }): Promise<StateBackend>;
export async function openState(spec: string, options: OpenStateOptions): Promise<StateBackend | undefined>;
export async function openState(spec: string, options: OpenStateOptions = {}): Promise<StateBackend | undefined> {
  const access = options.access ?? 'write';
  if (isStateUrl(spec)) {
    throw new UserError('PostgreSQL state is not available in this build', 'give --state a directory (an SQLite state database is kept there)');
  }
  if (access !== 'write' && !SqliteState.exists(spec)) return undefined;
  return new SqliteState(spec, { readonly: access === 'read' });
}

/** The bookmarks of a state, as `core/incremental.ts` reads and stores them (closing them leaves the state open). */
export function bookmarksOf(state: StateBackend | undefined): BookmarkStore {
  return {
    get: async (name: string): Promise<Bookmark | undefined> => state?.getBookmark(name),
    set: async (bookmark: Bookmark) => {
      if (!state) throw new BugError('a run without a state cannot store a bookmark');
      await state.setBookmark(bookmark);
    },
    close: async () => {},
  };
}
