import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CustomerSchema, type Customer } from '../customer.js';
import { BugError, UserError } from '../errors.js';
import type { RecordOutcome } from '../migrate/outcomes.js';
import type { RunCounts } from '../summary.js';
import type {
  Checkpoint,
  Confirmation,
  CrosswalkEntry,
  EmailClaim,
  EmailConflict,
  KeyState,
  Pair,
  RunRow,
  RunStatus,
  StateBackend,
} from './backend.js';
import { SqliteBookmarks, type Bookmark } from './bookmarks.js';
import { SqliteRunLocks, type RunLock } from './lock.js';
import { RunHistory, type RunInfo, type RunRecord } from './runs-query.js';
import { snapshotForm } from './snapshot-form.js';
import { now, toRun, type RunDbRow } from './rows.js';

/**
 * The SQLite state store: one database, `state.db` under `--state DIR`, in
 * WAL mode (SPEC section 5). It holds
 *
 * - `runs`: one row per migration (source, target, times, status, counts);
 * - `checkpoints`: one row per committed batch of a run;
 * - `crosswalk`: source profile + key → target profile + target id + the
 *   content hash of what was sent, and the run that sent it;
 * - `pending`: records handed to a target but not yet confirmed: a later run
 *   looks these up on the target before sending them again, so a kill at any
 *   moment never leaves a duplicate;
 * - `run_emails`: the emails each run claimed (one source record per email);
 * - `snapshots` / `snapshot_records`: the last records of a profile, for
 *   `diff --since-last`;
 * - `locks` (`./lock.ts`), `bookmarks` (`./bookmarks.ts`) and the run
 *   history `run_meta`, `run_records`, `notes_shown` (`./runs-query.ts`).
 *
 * better-sqlite3 is synchronous: each method does its work before its
 * promise resolves, and every write is a transaction, so a killed process
 * leaves the database as of its last commit.
 */

const schemaVersion = 1;

const ddl = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  source TEXT NOT NULL,
  target TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL,
  read INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  unchanged INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS runs_pair ON runs (source, target, id);
CREATE TABLE IF NOT EXISTS checkpoints (
  run_id INTEGER NOT NULL REFERENCES runs (id),
  seq INTEGER NOT NULL,
  at TEXT NOT NULL,
  confirmed INTEGER NOT NULL,
  last_key TEXT,
  PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS crosswalk (
  source_profile TEXT NOT NULL,
  source_key TEXT NOT NULL,
  target_profile TEXT NOT NULL,
  target_id TEXT,
  hash TEXT NOT NULL,
  run_id INTEGER NOT NULL,
  status TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (source_profile, source_key, target_profile)
);
CREATE TABLE IF NOT EXISTS pending (
  source_profile TEXT NOT NULL,
  source_key TEXT NOT NULL,
  target_profile TEXT NOT NULL,
  run_id INTEGER NOT NULL,
  PRIMARY KEY (source_profile, source_key, target_profile)
);
CREATE TABLE IF NOT EXISTS run_emails (
  run_id INTEGER NOT NULL,
  email TEXT NOT NULL,
  source_key TEXT NOT NULL,
  PRIMARY KEY (run_id, email)
);
CREATE TABLE IF NOT EXISTS snapshots (
  profile TEXT PRIMARY KEY,
  taken_at TEXT NOT NULL,
  count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshot_records (
  profile TEXT NOT NULL,
  seq INTEGER NOT NULL,
  key TEXT NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (profile, seq)
);
`;


const crosswalkOf = (row: { source_profile: string; source_key: string; target_profile: string; target_id: string | null; hash: string; run_id: number; status: string }): CrosswalkEntry => ({
  sourceProfile: row.source_profile,
  sourceKey: row.source_key,
  targetProfile: row.target_profile,
  targetId: row.target_id ?? undefined,
  hash: row.hash,
  runId: row.run_id,
  status: row.status,
});

/** Keys per `IN (…)` query: well under SQLite's limit of bound parameters. */
const keysPerQuery = 500;

export class SqliteState implements StateBackend {
  readonly where: string;
  readonly readonly: boolean;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly tables = new Set<string>();
  private readonly locks?: SqliteRunLocks;
  private readonly held = new Set<RunLock>();
  private readonly history: RunHistory;
  private readonly bookmarks: SqliteBookmarks;

  /**
   * Opens (creating when needed) `state.db` in `dir`, or an in-memory store
   * for `:memory:`. Read-only: the database must exist, and nothing is created.
   */
  constructor(dir: string, options: { readonly?: boolean } = {}) {
    this.where = dir === ':memory:' ? dir : join(dir, 'state.db');
    this.readonly = options.readonly === true;
    try {
      if (dir !== ':memory:' && !this.readonly) mkdirSync(dir, { recursive: true });
      this.db = new Database(this.where, { readonly: this.readonly, fileMustExist: this.readonly });
      this.db.pragma('busy_timeout = 5000');
      if (!this.readonly) {
        this.db.pragma('journal_mode = WAL');
        // WAL + NORMAL: a commit survives a killed process (it is in the OS cache); only a power loss may lose the last commits.
        this.db.pragma('synchronous = NORMAL');
        this.db.pragma('foreign_keys = ON');
        this.db.exec(ddl);
        this.db.prepare('INSERT OR IGNORE INTO meta (name, value) VALUES (?, ?)').run('schema', String(schemaVersion));
        this.locks = new SqliteRunLocks(this.db);
      }
      this.history = new RunHistory(this.db);
      this.bookmarks = new SqliteBookmarks(this.db);
    } catch (error) {
      throw new UserError(`cannot open the state database ${this.where}: ${(error as Error).message}`, this.readonly ? 'check --state DIR' : 'check --state DIR: it must be a writable directory');
    }
  }

  /** True when `dir` holds a state database. */
  static exists(dir: string): boolean {
    return existsSync(join(dir, 'state.db'));
  }

  async close(): Promise<void> {
    for (const lock of [...this.held]) await lock.release();
    if (this.db.open) this.db.close();
  }

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** A read-only database made by an older or partial run may lack a table: reads of it find nothing. */
  private has(table: string): boolean {
    if (!this.readonly || this.tables.has(table)) return true;
    const found = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
    if (found) this.tables.add(table);
    return found;
  }

  private writable(what: string): void {
    if (this.readonly) throw new BugError(`a read-only state store cannot ${what}`);
  }

  // ---- locks -------------------------------------------------------------------

  async lock(scope: string, command: string, options: { shared?: boolean } = {}): Promise<RunLock> {
    if (!this.locks) throw new BugError('a read-only state store cannot take a lock');
    // Only a store with work plans has workers (migrate --workers is refused before).
    if (options.shared) throw new BugError('an SQLite state has no shared locks');
    const lock = this.locks.acquire(scope, command);
    this.held.add(lock);
    return {
      ...lock,
      release: async () => {
        this.held.delete(lock);
        await lock.release();
      },
    };
  }

  // ---- runs ----------------------------------------------------------------------

  async startRun(source: string, target: string): Promise<RunRow> {
    this.writable('start a run');
    const info = this.stmt('INSERT INTO runs (source, target, started_at, status) VALUES (?, ?, ?, ?)').run(source, target, now(), 'running');
    return (await this.getRun(Number(info.lastInsertRowid)))!;
  }

  async getRun(id: number): Promise<RunRow | undefined> {
    if (!this.has('runs')) return undefined;
    const row = this.stmt('SELECT * FROM runs WHERE id = ?').get(id) as RunDbRow | undefined;
    return row && toRun(row);
  }

  async lastUnfinishedRun(source: string, target: string): Promise<RunRow | undefined> {
    if (!this.has('runs')) return undefined;
    const row = this.stmt("SELECT * FROM runs WHERE source = ? AND target = ? AND status IN ('running', 'unfinished') ORDER BY id DESC LIMIT 1").get(source, target) as RunDbRow | undefined;
    return row && toRun(row);
  }

  async lastRun(source: string, target: string): Promise<RunRow | undefined> {
    if (!this.has('runs')) return undefined;
    const row = this.stmt('SELECT * FROM runs WHERE source = ? AND target = ? ORDER BY id DESC LIMIT 1').get(source, target) as RunDbRow | undefined;
    return row && toRun(row);
  }

  private setStatus(status: RunStatus, finishedAt: string | null, id: number): void {
    this.stmt('UPDATE runs SET status = ?, finished_at = ? WHERE id = ?').run(status, finishedAt, id);
  }

  private setCounts(id: number, counts: RunCounts): void {
    this.stmt('UPDATE runs SET read = @read, created = @created, updated = @updated, unchanged = @unchanged, rejected = @rejected, failed = @failed WHERE id = @id').run({
      id,
      read: counts.read,
      created: counts.created,
      updated: counts.updated,
      unchanged: counts.unchanged,
      rejected: counts.rejected,
      failed: counts.failed,
    });
  }

  async resumeRun(id: number): Promise<RunRow> {
    this.writable('resume a run');
    this.setStatus('running', null, id);
    return (await this.getRun(id))!;
  }

  async abandonRun(id: number): Promise<void> {
    this.writable('abandon a run');
    this.setStatus('abandoned', now(), id);
  }

  async finishRun(id: number, status: 'finished' | 'unfinished', counts: RunCounts): Promise<void> {
    this.writable('finish a run');
    this.db.transaction(() => {
      this.setCounts(id, counts);
      this.setStatus(status, now(), id);
    })();
  }

  async lastCheckpoint(runId: number): Promise<Checkpoint | undefined> {
    if (!this.has('checkpoints')) return undefined;
    const row = this.stmt('SELECT seq, at, confirmed, last_key AS lastKey FROM checkpoints WHERE run_id = ? ORDER BY seq DESC LIMIT 1').get(runId) as
      | { seq: number; at: string; confirmed: number; lastKey: string | null }
      | undefined;
    return row && { seq: row.seq, at: row.at, confirmed: row.confirmed, lastKey: row.lastKey ?? undefined };
  }

  // ---- crosswalk and in-flight records ---------------------------------------------

  async lookup(pair: Pair, keys: readonly string[]): Promise<Map<string, KeyState>> {
    const found = new Map<string, KeyState>();
    const entry = (key: string) => {
      let state = found.get(key);
      if (!state) found.set(key, (state = {}));
      return state;
    };
    for (let i = 0; i < keys.length; i += keysPerQuery) {
      const chunk = keys.slice(i, i + keysPerQuery);
      const marks = chunk.map(() => '?').join(', ');
      if (this.has('crosswalk')) {
        const rows = this.stmt(`SELECT * FROM crosswalk WHERE source_profile = ? AND target_profile = ? AND source_key IN (${marks})`).all(pair.source, pair.target, ...chunk) as Array<
          Parameters<typeof crosswalkOf>[0]
        >;
        for (const row of rows) entry(row.source_key).known = crosswalkOf(row);
      }
      if (this.has('pending')) {
        const rows = this.stmt(`SELECT source_key AS sourceKey, run_id AS runId FROM pending WHERE source_profile = ? AND target_profile = ? AND source_key IN (${marks})`).all(
          pair.source,
          pair.target,
          ...chunk,
        ) as Array<{ sourceKey: string; runId: number }>;
        for (const row of rows) entry(row.sourceKey).pending = { sourceKey: row.sourceKey, runId: row.runId };
      }
    }
    return found;
  }

  async countCrosswalk(sourceProfile: string, targetProfile: string): Promise<number> {
    if (!this.has('crosswalk')) return 0;
    return (this.stmt('SELECT COUNT(*) AS n FROM crosswalk WHERE source_profile = ? AND target_profile = ?').get(sourceProfile, targetProfile) as { n: number }).n;
  }

  async countPending(sourceProfile: string, targetProfile: string): Promise<number> {
    if (!this.has('pending')) return 0;
    return (this.stmt('SELECT COUNT(*) AS n FROM pending WHERE source_profile = ? AND target_profile = ?').get(sourceProfile, targetProfile) as { n: number }).n;
  }

  async markPending(pair: Pair, runId: number, keys: readonly string[]): Promise<void> {
    this.writable('mark records in flight');
    if (keys.length === 0) return;
    const add = this.stmt('INSERT OR REPLACE INTO pending (source_profile, source_key, target_profile, run_id) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const key of keys) add.run(pair.source, key, pair.target, runId);
    })();
  }

  async claimEmails(runId: number, claims: readonly EmailClaim[]): Promise<EmailConflict[]> {
    this.writable('claim emails');
    const claim = this.stmt('INSERT OR IGNORE INTO run_emails (run_id, email, source_key) VALUES (?, ?, ?)');
    const owner = this.stmt('SELECT source_key AS sourceKey FROM run_emails WHERE run_id = ? AND email = ?');
    return this.db.transaction(() => {
      const conflicts: EmailConflict[] = [];
      for (const item of claims) {
        if (claim.run(runId, item.email, item.sourceKey).changes > 0) continue;
        const first = (owner.get(runId, item.email) as { sourceKey: string } | undefined)?.sourceKey;
        if (first !== undefined && first !== item.sourceKey) conflicts.push({ ...item, owner: first });
      }
      return conflicts;
    })();
  }

  async commitBatch(run: { id: number } & Pair, confirmations: readonly Confirmation[], counts: RunCounts): Promise<void> {
    this.writable('commit a batch');
    const at = now();
    const upsert = this.stmt(`INSERT INTO crosswalk (source_profile, source_key, target_profile, target_id, hash, run_id, status, updated_at)
        VALUES (@sourceProfile, @sourceKey, @targetProfile, @targetId, @hash, @runId, @status, @at)
        ON CONFLICT (source_profile, source_key, target_profile) DO UPDATE SET
          target_id = COALESCE(excluded.target_id, crosswalk.target_id), hash = excluded.hash, run_id = excluded.run_id,
          status = excluded.status, updated_at = excluded.updated_at`);
    const clear = this.stmt('DELETE FROM pending WHERE source_profile = ? AND source_key = ? AND target_profile = ?');
    const nextSeq = this.stmt('SELECT COALESCE(MAX(seq), 0) + 1 AS seq, COALESCE(MAX(confirmed), 0) AS confirmed FROM checkpoints WHERE run_id = ?');
    const checkpoint = this.stmt('INSERT INTO checkpoints (run_id, seq, at, confirmed, last_key) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      let lastKey: string | undefined;
      let confirmed = 0;
      for (const item of confirmations) {
        if (item.kind === 'done') {
          upsert.run({ sourceProfile: run.source, sourceKey: item.sourceKey, targetProfile: run.target, targetId: item.targetId ?? null, hash: item.hash, runId: run.id, status: item.status, at });
          confirmed += 1;
        }
        clear.run(run.source, item.sourceKey, run.target);
        lastKey = item.sourceKey;
      }
      if (confirmations.length > 0) {
        const { seq, confirmed: before } = nextSeq.get(run.id) as { seq: number; confirmed: number };
        checkpoint.run(run.id, seq, at, before + confirmed, lastKey ?? null);
      }
      this.setCounts(run.id, counts);
    })();
  }

  // ---- snapshots -------------------------------------------------------------------

  async saveSnapshot(profileLabel: string, records: AsyncIterable<Customer>): Promise<number> {
    this.writable('save a snapshot');
    const staging = `\u0000staging:${profileLabel}:${process.pid}:${Date.now()}`;
    const insert = this.stmt('INSERT INTO snapshot_records (profile, seq, key, record) VALUES (?, ?, ?, ?)');
    const insertMany = this.db.transaction((rows: Array<[number, string, string]>) => {
      for (const [seq, key, json] of rows) insert.run(staging, seq, key, json);
    });
    const clear = this.stmt('DELETE FROM snapshot_records WHERE profile = ?');
    let seq = 0;
    let batch: Array<[number, string, string]> = [];
    try {
      for await (const record of records) {
        seq += 1;
        batch.push([seq, record.key, JSON.stringify(snapshotForm(record))]);
        if (batch.length >= 500) {
          insertMany(batch);
          batch = [];
        }
      }
      insertMany(batch);
    } catch (error) {
      clear.run(staging);
      throw error;
    }
    this.db.transaction(() => {
      clear.run(profileLabel);
      this.stmt('UPDATE snapshot_records SET profile = ? WHERE profile = ?').run(profileLabel, staging);
      this.stmt('INSERT INTO snapshots (profile, taken_at, count) VALUES (?, ?, ?) ON CONFLICT (profile) DO UPDATE SET taken_at = excluded.taken_at, count = excluded.count').run(
        profileLabel,
        now(),
        seq,
      );
    })();
    return seq;
  }

  async snapshotInfo(profileLabel: string): Promise<{ takenAt: string; count: number } | undefined> {
    if (!this.has('snapshots')) return undefined;
    return this.stmt('SELECT taken_at AS takenAt, count FROM snapshots WHERE profile = ?').get(profileLabel) as { takenAt: string; count: number } | undefined;
  }

  async *readSnapshot(profileLabel: string): AsyncGenerator<Customer> {
    if (!this.has('snapshot_records')) return;
    const page = this.stmt('SELECT seq, record FROM snapshot_records WHERE profile = ? AND seq > ? ORDER BY seq LIMIT 500');
    let after = 0;
    for (;;) {
      // Paged rather than one open iterator, so that the caller may write to the database between records.
      const rows = page.all(profileLabel, after) as Array<{ seq: number; record: string }>;
      if (rows.length === 0) return;
      for (const row of rows) {
        after = row.seq;
        yield CustomerSchema.parse(JSON.parse(row.record));
      }
    }
  }

  // ---- bookmarks ---------------------------------------------------------------------

  async getBookmark(name: string): Promise<Bookmark | undefined> {
    return this.bookmarks.get(name);
  }

  async setBookmark(bookmark: Bookmark): Promise<void> {
    this.bookmarks.set(bookmark);
  }

  // ---- run history -------------------------------------------------------------------

  async recordStart(runId: number, argv: readonly string[], cwd: string): Promise<void> {
    this.writable('record a run');
    this.history.recordStart(runId, argv, cwd);
  }

  async recordStop(runId: number, stopped: 'interrupted' | 'failed' | undefined, error?: string): Promise<void> {
    this.writable('record a run');
    this.history.recordStop(runId, stopped, error);
  }

  async recordOutcomes(runId: number, outcomes: AsyncIterable<RecordOutcome>): Promise<void> {
    this.writable('record outcomes');
    await this.history.recordOutcomes(runId, outcomes);
  }

  async firstShowing(source: string, target: string, digest: string): Promise<boolean> {
    this.writable('remember a note');
    return this.history.firstShowing(source, target, digest);
  }

  async listRuns(limit: number): Promise<RunInfo[]> {
    return this.history.list(limit);
  }

  async runInfo(id: number): Promise<RunInfo | undefined> {
    return this.history.get(id);
  }

  async *runRecords(run: Pick<RunInfo, 'id' | 'source' | 'target'>): AsyncGenerator<RunRecord> {
    yield* this.history.records(run);
  }
}
