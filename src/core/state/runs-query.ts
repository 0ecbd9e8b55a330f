import type Database from 'better-sqlite3';
import { hostname } from 'node:os';
import { redactSecrets } from '../secrets.js';
import type { RunCounts } from '../summary.js';
import type { RecordOutcome } from '../migrate/outcomes.js';

/**
 * The history of runs in the state database, for `custsync runs`, and what a
 * run leaves there for it: the command line it was started with (so a failed
 * or killed run can say the exact command that resumes it), how it stopped,
 * and its per-record outcomes. Kept in tables of their own beside the
 * store's (`run_meta`, `run_records`, `notes_shown`), created when first
 * needed, so the store's schema is untouched.
 */

/** What `custsync runs` says of a run. */
export type RunState = 'done' | 'failed' | 'killed-resumable' | 'running' | 'abandoned';

export interface RunInfo {
  id: number;
  /** `migrate` (the only command that records runs). */
  command: string;
  /** The state store's names: the label, plus the API address of a remote system. */
  source: string;
  target: string;
  startedAt: string;
  finishedAt?: string;
  /** Milliseconds from start to finish (or to now while running). */
  durationMs?: number;
  counts: RunCounts;
  state: RunState;
  /** The store's own status column. */
  status: string;
  /** The arguments it was started with, and where. */
  argv?: string[];
  cwd?: string;
  pid?: number;
  host?: string;
  error?: string;
  /** For a failed or killed run: the command that resumes it. */
  resume?: string;
}

export interface RunRecord {
  key: string;
  status: string;
  targetId?: string;
  email?: string;
  reason?: string;
  /** `in flight`: sent by a killed run, not confirmed; found on the target or not by the next run. */
  note?: string;
}

const ddl = `
CREATE TABLE IF NOT EXISTS run_meta (
  run_id INTEGER PRIMARY KEY,
  argv TEXT NOT NULL,
  cwd TEXT NOT NULL,
  pid INTEGER,
  host TEXT,
  stopped TEXT,
  error TEXT
);
CREATE TABLE IF NOT EXISTS run_records (
  run_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  key TEXT NOT NULL,
  status TEXT NOT NULL,
  target_id TEXT,
  email TEXT,
  reason TEXT,
  PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS notes_shown (
  source TEXT NOT NULL,
  target TEXT NOT NULL,
  digest TEXT NOT NULL,
  PRIMARY KEY (source, target)
);
`;

/** A `runs` row joined with its `run_meta` (NULLs where a run has none): what any store reads to make a {@link RunInfo}. */
export interface RunJoinRow extends RunCounts {
  id: number;
  source: string;
  target: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  argv: string | null;
  cwd: string | null;
  pid: number | null;
  host: string | null;
  stopped: string | null;
  error: string | null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A word safe for sh as it is, or the word in single quotes. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command that resumes a run started with `argv` in `cwd`. */
export function resumeCommand(argv: string[], cwd: string | undefined, here = process.cwd()): string {
  const args = argv.filter((arg) => arg !== '--dry-run');
  if (!args.includes('--resume')) args.push('--resume');
  const line = ['custsync', ...args].map(shellWord).join(' ');
  return cwd && cwd !== here ? `cd ${shellWord(cwd)} && ${line}` : line;
}

/** How `runs` names an endpoint: the label, without the API address the store adds to it. */
export function labelOf(stateId: string): string {
  return stateId.replace(/ https?:\/\/\S+$/, '');
}

/**
 * The run history tables of an SQLite state database (`./sqlite.ts` opens
 * it and is the only user): created when the database is opened to write,
 * looked for when it is opened to read (an older database may lack them).
 */
export class RunHistory {
  constructor(private readonly db: Database.Database) {
    if (!db.readonly) db.exec(ddl);
  }

  private has(table: string): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
  }

  // ---- what a run records --------------------------------------------------

  /** The command line a run was started (or resumed) with, and which process runs it. */
  recordStart(runId: number, argv: readonly string[], cwd: string): void {
    this.db
      .prepare(
        `INSERT INTO run_meta (run_id, argv, cwd, pid, host, stopped, error) VALUES (?, ?, ?, ?, ?, NULL, NULL)
         ON CONFLICT (run_id) DO UPDATE SET pid = excluded.pid, host = excluded.host, stopped = NULL, error = NULL`,
      )
      .run(runId, JSON.stringify(argv.map(redactSecrets)), cwd, process.pid, hostname());
  }

  /** How a run that did not finish stopped: interrupted (Ctrl-C) or failed (with the error). */
  recordStop(runId: number, stopped: 'interrupted' | 'failed' | undefined, error?: string): void {
    this.db.prepare('UPDATE run_meta SET stopped = ?, error = ? WHERE run_id = ?').run(stopped ?? null, error === undefined ? null : redactSecrets(error), runId);
  }

  /** The per-record outcomes of a run, replacing those of an earlier attempt of the same run (a resume reads every record again). */
  async recordOutcomes(runId: number, outcomes: AsyncIterable<RecordOutcome>): Promise<void> {
    const insert = this.db.prepare('INSERT INTO run_records (run_id, seq, key, status, target_id, email, reason) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const staging = -runId;
    const many = this.db.transaction((rows: RecordOutcome[], from: number) => {
      rows.forEach((o, i) => insert.run(staging, from + i, o.key, o.status, o.targetId ?? null, o.email ?? null, o.reason === undefined ? null : redactSecrets(o.reason)));
    });
    this.db.prepare('DELETE FROM run_records WHERE run_id = ?').run(staging);
    let seq = 0;
    let batch: RecordOutcome[] = [];
    for await (const outcome of outcomes) {
      batch.push(outcome);
      if (batch.length >= 500) {
        many(batch, seq);
        seq += batch.length;
        batch = [];
      }
    }
    many(batch, seq);
    // Swapped in at once: a reader sees the old outcomes or the new ones, never half.
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM run_records WHERE run_id = ?').run(runId);
      this.db.prepare('UPDATE run_records SET run_id = ? WHERE run_id = ?').run(runId, staging);
    })();
  }

  /**
   * "cannot hold" notes are shown once per source → target pair: true when
   * this set of fields (its digest) has not been shown for the pair yet, and
   * remembers it.
   */
  firstShowing(source: string, target: string, digest: string): boolean {
    const row = this.db.prepare('SELECT digest FROM notes_shown WHERE source = ? AND target = ?').get(source, target) as { digest: string } | undefined;
    if (row?.digest === digest) return false;
    this.db.prepare('INSERT INTO notes_shown (source, target, digest) VALUES (?, ?, ?) ON CONFLICT (source, target) DO UPDATE SET digest = excluded.digest').run(source, target, digest);
    return true;
  }

  // ---- what `runs` reads ---------------------------------------------------

  /** Runs, newest first. */
  list(limit = 50): RunInfo[] {
    return this.select('ORDER BY r.id DESC LIMIT ?', limit);
  }

  get(id: number): RunInfo | undefined {
    return this.select('WHERE r.id = ?', id)[0];
  }

  private select(tail: string, parameter: number): RunInfo[] {
    if (!this.has('runs')) return [];
    const meta = this.has('run_meta');
    const columns = meta ? 'm.argv, m.cwd, m.pid, m.host, m.stopped, m.error' : 'NULL AS argv, NULL AS cwd, NULL AS pid, NULL AS host, NULL AS stopped, NULL AS error';
    const rows = this.db.prepare(`SELECT r.*, ${columns} FROM runs r ${meta ? 'LEFT JOIN run_meta m ON m.run_id = r.id' : ''} ${tail}`).all(parameter) as RunJoinRow[];
    return rows.map(toInfo);
  }

  /**
   * The per-record outcomes of a run, in the order they came. A run killed
   * before it could write them has what the store knows: the records the
   * target confirmed (crosswalk) and those that were in flight.
   */
  *records(run: Pick<RunInfo, 'id' | 'source' | 'target'>): Generator<RunRecord> {
    if (this.has('run_records') && this.db.prepare('SELECT 1 FROM run_records WHERE run_id = ? LIMIT 1').get(run.id)) {
      const page = this.db.prepare('SELECT seq, key, status, target_id, email, reason FROM run_records WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT 500');
      for (let after = -1; ; ) {
        const rows = page.all(run.id, after) as Array<{ seq: number; key: string; status: string; target_id: string | null; email: string | null; reason: string | null }>;
        if (rows.length === 0) return;
        for (const row of rows) {
          after = row.seq;
          yield { key: row.key, status: row.status, targetId: row.target_id ?? undefined, email: row.email ?? undefined, reason: row.reason ?? undefined };
        }
      }
    }
    if (this.has('crosswalk')) {
      for (const row of this.db.prepare('SELECT source_key AS key, status, target_id FROM crosswalk WHERE run_id = ? ORDER BY updated_at, source_key').iterate(run.id) as Iterable<{
        key: string;
        status: string;
        target_id: string | null;
      }>) {
        yield { key: row.key, status: row.status, targetId: row.target_id ?? undefined };
      }
    }
    if (this.has('pending')) {
      for (const row of this.db.prepare('SELECT source_key AS key FROM pending WHERE run_id = ? ORDER BY source_key').iterate(run.id) as Iterable<{ key: string }>) {
        yield { key: row.key, status: 'in flight', note: 'sent, not confirmed: the next run looks it up on the target before sending it again' };
      }
    }
  }
}

/** A run as `custsync runs` shows it, from its row (the state of a `running` run whose process is gone is killed-resumable). */
export function toInfo(row: RunJoinRow): RunInfo {
  const counts = { read: row.read, created: row.created, updated: row.updated, unchanged: row.unchanged, rejected: row.rejected, failed: row.failed };
  const argv = row.argv ? (JSON.parse(row.argv) as string[]) : undefined;
  let state: RunState;
  if (row.status === 'finished') state = 'done';
  else if (row.status === 'abandoned') state = 'abandoned';
  else if (row.status === 'unfinished') state = row.stopped === 'interrupted' ? 'killed-resumable' : 'failed';
  // `running` in the store: running indeed, unless its process is gone (killed with no chance to say so).
  else state = row.pid !== null && row.host === hostname() && !alive(row.pid) ? 'killed-resumable' : 'running';
  const end = row.finished_at ? Date.parse(row.finished_at) : state === 'running' ? Date.now() : undefined;
  const info: RunInfo = {
    id: row.id,
    command: argv?.[0] ?? 'migrate',
    source: row.source,
    target: row.target,
    startedAt: row.started_at,
    ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
    ...(end !== undefined ? { durationMs: Math.max(0, end - Date.parse(row.started_at)) } : {}),
    counts,
    state,
    status: row.status,
    ...(argv ? { argv } : {}),
    ...(row.cwd ? { cwd: row.cwd } : {}),
    ...(row.pid !== null ? { pid: row.pid } : {}),
    ...(row.host ? { host: row.host } : {}),
    ...(row.error ? { error: row.error } : {}),
  };
  if (state === 'failed' || state === 'killed-resumable') {
    info.resume = argv ? resumeCommand(argv, row.cwd ?? undefined) : `custsync migrate --from ${shellWord(labelOf(row.source))} --to ${shellWord(labelOf(row.target))} --resume`;
  }
  return info;
}
