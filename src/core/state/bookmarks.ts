import type Database from 'better-sqlite3';
import { BugError } from '../errors.js';

/**
 * Bookmarks of `--incremental` reads (SPEC section 5): where the next read
 * of a source starts. Kept in the state database beside the crosswalk, in a
 * table of its own (created when first needed), and written only by a run
 * whose every write was confirmed (`core/migrate/incremental.ts`).
 */
export interface Bookmark {
  /** `migrate SRC → DST` for a migration; the `--bookmark NAME` of a pull. */
  name: string;
  /** What was read (the source, and a pull's conditions): a bookmark is never used to read anything else. */
  scope: string;
  /**
   * When the read that left it started, on the source server's clock where
   * its answers said it (`Date` headers), else on this machine's; rounded
   * down to the second. The next read asks for changes from this instant
   * minus its lookback.
   */
  readStartedAt: Date;
  clock: 'server' | 'local';
  /** When it was stored (this machine's clock). */
  savedAt?: Date;
}

/**
 * Where bookmarks live. An implementer must make `set` durable when it
 * resolves (a run reports success only after it) and atomic (a reader sees
 * the old bookmark or the new one).
 */
export interface BookmarkStore {
  get(name: string): Promise<Bookmark | undefined>;
  /** Stores (replaces) a bookmark. Call only after every write of the run is confirmed. */
  set(bookmark: Bookmark): Promise<void>;
  close(): Promise<void>;
}

const ddl = `
CREATE TABLE IF NOT EXISTS bookmarks (
  name TEXT PRIMARY KEY,
  scope TEXT NOT NULL,
  read_started_at TEXT NOT NULL,
  clock TEXT NOT NULL,
  saved_at TEXT NOT NULL
);
`;

interface BookmarkRow {
  name: string;
  scope: string;
  read_started_at: string;
  clock: 'server' | 'local';
  saved_at: string;
}

/** The bookmarks table of an SQLite state database (`./sqlite.ts` opens it). */
export class SqliteBookmarks {
  constructor(private readonly db: Database.Database) {
    if (!db.readonly) db.exec(ddl);
  }

  get(name: string): Bookmark | undefined {
    if (!this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bookmarks'").get()) return undefined;
    const row = this.db.prepare('SELECT * FROM bookmarks WHERE name = ?').get(name) as BookmarkRow | undefined;
    if (!row) return undefined;
    return { name: row.name, scope: row.scope, readStartedAt: new Date(row.read_started_at), clock: row.clock, savedAt: new Date(row.saved_at) };
  }

  set(bookmark: Bookmark): void {
    if (this.db.readonly) throw new BugError('bookmarks opened to read cannot store one');
    this.db
      .prepare(
        `INSERT INTO bookmarks (name, scope, read_started_at, clock, saved_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET scope = excluded.scope, read_started_at = excluded.read_started_at, clock = excluded.clock, saved_at = excluded.saved_at`,
      )
      .run(bookmark.name, bookmark.scope, bookmark.readStartedAt.toISOString(), bookmark.clock, (bookmark.savedAt ?? new Date()).toISOString());
  }
}
