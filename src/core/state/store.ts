import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CustomerSchema, type Customer } from '../customer.js';
import { BugError, UserError } from '../errors.js';
import type { RunCounts } from '../summary.js';
import { SqliteRunLocks, type RunLock, type RunLocks } from './lock.js';

/**
 * The durable state of custsync (SPEC section 5): one SQLite database,
 * `state.db` under `--state DIR`, in WAL mode. It holds
 *
 * - `runs`: one row per migration (source, target, times, status, counts);
 * - `checkpoints`: one row per committed batch of a run;
 * - `crosswalk`: source profile + key → target profile + target id + the
 *   content hash of what was sent, and the run that sent it;
 * - `pending`: records handed to a target but not yet confirmed: a later run
 *   looks these up on the target before sending them again, so a kill at any
 *   moment never leaves a duplicate;
 * - `snapshots` / `snapshot_records`: the last records of a profile, for
 *   `diff --since-last`;
 * - `locks`: which process runs a scope now (`./lock.ts`).
 *
 * Every write is a transaction; a killed process leaves the database as of
 * its last commit. Nothing secret is stored: labels are profile names or file
 * specs, and records are canonical customers (which carry no credentials).
 */

/** `abandoned`: an unfinished run that a later, new run of the same pair superseded. */
export type RunStatus = 'running' | 'unfinished' | 'finished' | 'abandoned';

export interface RunRow {
  id: number;
  source: string;
  target: string;
  startedAt: string;
  finishedAt?: string;
  status: RunStatus;
  counts: RunCounts;
}

export interface CrosswalkEntry {
  sourceProfile: string;
  sourceKey: string;
  targetProfile: string;
  targetId?: string;
  hash: string;
  runId: number;
  /** The outcome that last changed this entry: created or updated (or unchanged, when matched on the target). */
  status: string;
}

export interface PendingEntry {
  sourceKey: string;
  runId: number;
}

/** One confirmed (or refused) record, committed together with its checkpoint. */
export type Confirmation =
  | { kind: 'done'; sourceKey: string; targetId?: string; hash: string; status: string }
  | { kind: 'refused'; sourceKey: string };

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

const now = () => new Date().toISOString();

/**
 * The form in which a record is kept in a snapshot: a password hash is
 * replaced by a digest of it (`sha256:…`), so the database holds nothing a
 * password could be checked against, while a changed hash still shows as a
 * change. `diff --since-last` compares `snapshotForm(current)` with what
 * {@link StateStore.readSnapshot} yields.
 */
export function snapshotForm(record: Customer): Customer {
  if (record.passwordHash === undefined || record.passwordHash.startsWith('sha256:')) return record;
  return { ...record, passwordHash: `sha256:${createHash('sha256').update(record.passwordHash).digest('hex')}` };
}

/** A `runs` row: the counts are columns of their own. */
interface RunDbRow extends RunCounts {
  id: number;
  source: string;
  target: string;
  started_at: string;
  finished_at: string | null;
  status: RunStatus;
}

function toRun(row: RunDbRow): RunRow {
  return {
    id: row.id,
    source: row.source,
    target: row.target,
    startedAt: row.started_at,
    finishedAt: row.finished_at ?? undefined,
    status: row.status,
    counts: { read: row.read, created: row.created, updated: row.updated, unchanged: row.unchanged, rejected: row.rejected, failed: row.failed },
  };
}

export class StateStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly statements;
  private locks?: RunLocks;

  /** Opens (creating when needed) `state.db` in `dir`, or an in-memory store for `:memory:`. */
  constructor(dir: string, options: { readonly?: boolean } = {}) {
    this.path = dir === ':memory:' ? dir : join(dir, 'state.db');
    try {
      if (dir !== ':memory:' && !options.readonly) mkdirSync(dir, { recursive: true });
      this.db = new Database(this.path, { readonly: options.readonly === true, fileMustExist: options.readonly === true });
      if (!options.readonly) {
        this.db.pragma('journal_mode = WAL');
        // WAL + NORMAL: a commit survives a killed process (it is in the OS cache); only a power loss may lose the last commits.
        this.db.pragma('synchronous = NORMAL');
        this.db.pragma('foreign_keys = ON');
        this.db.exec(ddl);
        this.db.prepare('INSERT OR IGNORE INTO meta (name, value) VALUES (?, ?)').run('schema', String(schemaVersion));
        this.locks = new SqliteRunLocks(this.db);
      }
      this.db.pragma('busy_timeout = 5000');
    } catch (error) {
      throw new UserError(`cannot open the state database ${this.path}: ${(error as Error).message}`, 'check --state DIR: it must be a writable directory');
    }
    const db = this.db;
    this.statements = {
      insertRun: db.prepare('INSERT INTO runs (source, target, started_at, status) VALUES (?, ?, ?, ?)'),
      getRun: db.prepare('SELECT * FROM runs WHERE id = ?'),
      lastUnfinished: db.prepare("SELECT * FROM runs WHERE source = ? AND target = ? AND status IN ('running', 'unfinished') ORDER BY id DESC LIMIT 1"),
      lastRun: db.prepare('SELECT * FROM runs WHERE source = ? AND target = ? ORDER BY id DESC LIMIT 1'),
      setStatus: db.prepare('UPDATE runs SET status = ?, finished_at = ? WHERE id = ?'),
      setCounts: db.prepare(
        'UPDATE runs SET read = @read, created = @created, updated = @updated, unchanged = @unchanged, rejected = @rejected, failed = @failed WHERE id = @id',
      ),
      nextSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS seq, COALESCE(MAX(confirmed), 0) AS confirmed FROM checkpoints WHERE run_id = ?'),
      insertCheckpoint: db.prepare('INSERT INTO checkpoints (run_id, seq, at, confirmed, last_key) VALUES (?, ?, ?, ?, ?)'),
      lastCheckpoint: db.prepare('SELECT seq, at, confirmed, last_key AS lastKey FROM checkpoints WHERE run_id = ? ORDER BY seq DESC LIMIT 1'),
      getCrosswalk: db.prepare('SELECT * FROM crosswalk WHERE source_profile = ? AND source_key = ? AND target_profile = ?'),
      upsertCrosswalk: db.prepare(`INSERT INTO crosswalk (source_profile, source_key, target_profile, target_id, hash, run_id, status, updated_at)
        VALUES (@sourceProfile, @sourceKey, @targetProfile, @targetId, @hash, @runId, @status, @at)
        ON CONFLICT (source_profile, source_key, target_profile) DO UPDATE SET
          target_id = COALESCE(excluded.target_id, crosswalk.target_id), hash = excluded.hash, run_id = excluded.run_id,
          status = excluded.status, updated_at = excluded.updated_at`),
      countCrosswalk: db.prepare('SELECT COUNT(*) AS n FROM crosswalk WHERE source_profile = ? AND target_profile = ?'),
      getPending: db.prepare('SELECT source_key AS sourceKey, run_id AS runId FROM pending WHERE source_profile = ? AND source_key = ? AND target_profile = ?'),
      addPending: db.prepare('INSERT OR REPLACE INTO pending (source_profile, source_key, target_profile, run_id) VALUES (?, ?, ?, ?)'),
      deletePending: db.prepare('DELETE FROM pending WHERE source_profile = ? AND source_key = ? AND target_profile = ?'),
      claimEmail: db.prepare('INSERT OR IGNORE INTO run_emails (run_id, email, source_key) VALUES (?, ?, ?)'),
      emailOwner: db.prepare('SELECT source_key AS sourceKey FROM run_emails WHERE run_id = ? AND email = ?'),
      countPending: db.prepare('SELECT COUNT(*) AS n FROM pending WHERE source_profile = ? AND target_profile = ?'),
      getSnapshot: db.prepare('SELECT taken_at AS takenAt, count FROM snapshots WHERE profile = ?'),
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Takes the lock of a scope (e.g. one migration pair) for this process:
   * exit 2 naming the holder when another live run has it (SPEC section 5).
   * Take it before the first write of a run; release it when the run ends.
   */
  lock(scope: string, command: string): RunLock {
    if (!this.locks) throw new BugError('a read-only state store cannot take a lock');
    return this.locks.acquire(scope, command);
  }

  // ---- runs ---------------------------------------------------------------

  /** Starts a new run of source → target; status `running`. */
  startRun(source: string, target: string): RunRow {
    const info = this.statements.insertRun.run(source, target, now(), 'running');
    return this.getRun(Number(info.lastInsertRowid))!;
  }

  getRun(id: number): RunRow | undefined {
    const row = this.statements.getRun.get(id) as RunDbRow | undefined;
    return row && toRun(row);
  }

  /** The last run of this pair that did not finish (killed, or stopped by a remote failure), if any. */
  lastUnfinishedRun(source: string, target: string): RunRow | undefined {
    const row = this.statements.lastUnfinished.get(source, target) as RunDbRow | undefined;
    return row && toRun(row);
  }

  lastRun(source: string, target: string): RunRow | undefined {
    const row = this.statements.lastRun.get(source, target) as RunDbRow | undefined;
    return row && toRun(row);
  }

  /** Reopens a run for `--resume`. */
  resumeRun(id: number): RunRow {
    this.statements.setStatus.run('running', null, id);
    return this.getRun(id)!;
  }

  /** Marks an unfinished run as superseded by a new run of the same pair (its confirmed records stay in the crosswalk). */
  abandonRun(id: number): void {
    this.statements.setStatus.run('abandoned', now(), id);
  }

  /** Ends a run: `finished`, or `unfinished` when it stopped early (so `--resume` finds it). */
  finishRun(id: number, status: 'finished' | 'unfinished', counts: RunCounts): void {
    this.db.transaction(() => {
      this.statements.setCounts.run({ id, ...counts });
      this.statements.setStatus.run(status, now(), id);
    })();
  }

  lastCheckpoint(runId: number): { seq: number; at: string; confirmed: number; lastKey?: string } | undefined {
    const row = this.statements.lastCheckpoint.get(runId) as { seq: number; at: string; confirmed: number; lastKey: string | null } | undefined;
    return row && { seq: row.seq, at: row.at, confirmed: row.confirmed, lastKey: row.lastKey ?? undefined };
  }

  // ---- crosswalk and in-flight records ------------------------------------

  getCrosswalk(sourceProfile: string, sourceKey: string, targetProfile: string): CrosswalkEntry | undefined {
    const row = this.statements.getCrosswalk.get(sourceProfile, sourceKey, targetProfile) as
      | { source_profile: string; source_key: string; target_profile: string; target_id: string | null; hash: string; run_id: number; status: string }
      | undefined;
    if (!row) return undefined;
    return {
      sourceProfile: row.source_profile,
      sourceKey: row.source_key,
      targetProfile: row.target_profile,
      targetId: row.target_id ?? undefined,
      hash: row.hash,
      runId: row.run_id,
      status: row.status,
    };
  }

  countCrosswalk(sourceProfile: string, targetProfile: string): number {
    return (this.statements.countCrosswalk.get(sourceProfile, targetProfile) as { n: number }).n;
  }

  /**
   * Records that a record is about to be handed to the target. Committed
   * before the request can leave, so that a run killed while the request was
   * in flight knows to look the record up before sending it again.
   */
  markPending(sourceProfile: string, sourceKey: string, targetProfile: string, runId: number): void {
    this.statements.addPending.run(sourceProfile, sourceKey, targetProfile, runId);
  }

  /**
   * Claims an email (matching form) for a source record in a run. Returns the
   * source key that claimed it first when that is another record: two source
   * customers with one email would be one customer on a target that matches
   * by email, the second overwriting the first.
   */
  claimEmail(runId: number, email: string, sourceKey: string): string | undefined {
    if (this.statements.claimEmail.run(runId, email, sourceKey).changes > 0) return undefined;
    const owner = (this.statements.emailOwner.get(runId, email) as { sourceKey: string } | undefined)?.sourceKey;
    return owner === sourceKey ? undefined : owner;
  }

  getPending(sourceProfile: string, sourceKey: string, targetProfile: string): PendingEntry | undefined {
    return this.statements.getPending.get(sourceProfile, sourceKey, targetProfile) as PendingEntry | undefined;
  }

  countPending(sourceProfile: string, targetProfile: string): number {
    return (this.statements.countPending.get(sourceProfile, targetProfile) as { n: number }).n;
  }

  /**
   * Commits a batch of target confirmations in one transaction: crosswalk
   * entries, the in-flight marks they clear, the run's counts and one
   * checkpoint row. Nothing is marked done before the target confirmed it.
   */
  commitBatch(run: { id: number; source: string; target: string }, confirmations: Confirmation[], counts: RunCounts): void {
    const at = now();
    this.db.transaction(() => {
      let lastKey: string | undefined;
      let confirmed = 0;
      for (const item of confirmations) {
        if (item.kind === 'done') {
          this.statements.upsertCrosswalk.run({
            sourceProfile: run.source,
            sourceKey: item.sourceKey,
            targetProfile: run.target,
            targetId: item.targetId ?? null,
            hash: item.hash,
            runId: run.id,
            status: item.status,
            at,
          });
          confirmed += 1;
        }
        this.statements.deletePending.run(run.source, item.sourceKey, run.target);
        lastKey = item.sourceKey;
      }
      const { seq, confirmed: before } = this.statements.nextSeq.get(run.id) as { seq: number; confirmed: number };
      this.statements.insertCheckpoint.run(run.id, seq, at, before + confirmed, lastKey ?? null);
      this.statements.setCounts.run({ id: run.id, ...counts });
    })();
  }

  // ---- snapshots (diff --since-last) ---------------------------------------

  /**
   * Replaces the snapshot of a profile with these records, atomically: the
   * old snapshot stays readable until the new one is complete, and a failure
   * while reading `records` leaves the old one in place. Records are written
   * in batches, so memory stays flat whatever the count. Records are kept in
   * {@link snapshotForm} (no password hashes). Returns how many were saved.
   */
  async saveSnapshot(profileLabel: string, records: AsyncIterable<Customer>): Promise<number> {
    const staging = `\u0000staging:${profileLabel}:${process.pid}:${Date.now()}`;
    const insert = this.db.prepare('INSERT INTO snapshot_records (profile, seq, key, record) VALUES (?, ?, ?, ?)');
    const insertMany = this.db.transaction((rows: Array<[number, string, string]>) => {
      for (const [seq, key, json] of rows) insert.run(staging, seq, key, json);
    });
    const clear = this.db.prepare('DELETE FROM snapshot_records WHERE profile = ?');
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
      this.db.prepare('UPDATE snapshot_records SET profile = ? WHERE profile = ?').run(profileLabel, staging);
      this.db
        .prepare('INSERT INTO snapshots (profile, taken_at, count) VALUES (?, ?, ?) ON CONFLICT (profile) DO UPDATE SET taken_at = excluded.taken_at, count = excluded.count')
        .run(profileLabel, now(), seq);
    })();
    return seq;
  }

  hasSnapshot(profileLabel: string): boolean {
    return this.statements.getSnapshot.get(profileLabel) !== undefined;
  }

  /** When the snapshot was taken and how many records it holds. */
  snapshotInfo(profileLabel: string): { takenAt: string; count: number } | undefined {
    return this.statements.getSnapshot.get(profileLabel) as { takenAt: string; count: number } | undefined;
  }

  /** The records of the last snapshot of a profile, in the order they were saved; nothing when there is none. */
  async *readSnapshot(profileLabel: string): AsyncGenerator<Customer> {
    const page = this.db.prepare('SELECT seq, record FROM snapshot_records WHERE profile = ? AND seq > ? ORDER BY seq LIMIT 500');
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
}

/** Opens the state store of `--state DIR`. */
export function openStateStore(dir: string): StateStore {
  return new StateStore(dir);
}
