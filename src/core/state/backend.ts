import type { Customer } from '../customer.js';
import type { RunCounts } from '../summary.js';
import type { RecordOutcome } from '../migrate/outcomes.js';
import type { Bookmark } from './bookmarks.js';
import type { RunLock } from './lock.js';
import type { RunInfo, RunRecord } from './runs-query.js';
import type { WorkQueue } from './work.js';

export type { Bookmark } from './bookmarks.js';
export type { LockOwner, RunLock } from './lock.js';
export type { RunInfo, RunRecord, RunState } from './runs-query.js';
export type { ClaimedPart, JoinedPlan, WorkQueue } from './work.js';

/**
 * The durable state of custsync (SPEC section 5), whatever keeps it: SQLite
 * (`state.db` under `--state DIR`, `./sqlite.ts`) or another store opened by
 * `openState` (`./open.ts`). Everything outside `src/core/state` talks to
 * this interface only, and never learns which store it is.
 *
 * Every method is async (a server-backed store answers over the network).
 * The contract each store honours:
 *
 * - A write is durable when its promise resolves: a process killed after
 *   that finds it on the next run; one killed before finds the state as of
 *   the last resolved write (never half a transaction).
 * - The writes named "one transaction" below are atomic: a reader (or the
 *   next run) sees all of it or none of it.
 * - Nothing secret is stored: labels are profile names or file specs (plus
 *   an API address), records are canonical customers, reasons are redacted
 *   by the caller.
 * - Calls may overlap (the migrate pipeline makes its own calls one at a
 *   time, but e.g. the run history is written beside them): a store queues
 *   them or gives each its own connection, and never lets one call's
 *   statements run inside another's transaction. Different processes are
 *   kept apart by {@link StateBackend.lock}.
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

/** A migration pair as the state names it (`stateIdOf` of each endpoint). */
export interface Pair {
  source: string;
  target: string;
}

export interface CrosswalkEntry {
  sourceProfile: string;
  sourceKey: string;
  targetProfile: string;
  targetId?: string;
  /** Content hash of what was last sent (or found equal on the target). */
  hash: string;
  runId: number;
  /** The outcome that last changed this entry: created or updated (or unchanged, when matched on the target). */
  status: string;
}

/** A record handed to the target by run `runId` and not confirmed yet. */
export interface PendingEntry {
  sourceKey: string;
  runId: number;
}

/** What the state knows of one source key of a pair; a key it knows nothing of is absent from the map. */
export interface KeyState {
  known?: CrosswalkEntry;
  pending?: PendingEntry;
}

/** One confirmed (or refused) record, committed together with its checkpoint. */
export type Confirmation =
  | { kind: 'done'; sourceKey: string; targetId?: string; hash: string; status: string }
  | { kind: 'refused'; sourceKey: string };

export interface Checkpoint {
  seq: number;
  at: string;
  /** Records confirmed by the run so far (all its checkpoints). */
  confirmed: number;
  lastKey?: string;
}

/** An email (matching form) claimed by a source key in a run. */
export interface EmailClaim {
  email: string;
  sourceKey: string;
}

/** A claim refused: `owner` is the source key that claimed the email first. */
export interface EmailConflict extends EmailClaim {
  owner: string;
}

export interface StateBackend {
  /** Where the state is, for messages (a path, or an address without credentials). */
  readonly where: string;
  /** Opened to read only (dry runs, `runs`): every write method throws a BugError. */
  readonly readonly: boolean;

  /** Closes the store; safe to call twice. Locks still held are released. */
  close(): Promise<void>;

  // ---- locks -----------------------------------------------------------------

  /**
   * Takes the lock of a scope (one migration pair: `migrate SRC → DST`; one
   * profile's snapshot: `snapshot LABEL`) for this process, or rejects with
   * a `LockedError` (exit 2) naming the live holder. Atomic: of two processes
   * asking at once exactly one gets it. The lock of a process that is gone
   * is taken over (`RunLock.tookOver` names it). Take it before the first
   * write of a run; release it when the run ends.
   *
   * `shared` (a store with {@link StateBackend.work} only): the lock of one
   * worker of `migrate --workers`; workers of a scope hold it together, and
   * exclude a plain run as it excludes them.
   */
  lock(scope: string, command: string, options?: { shared?: boolean }): Promise<RunLock>;

  /**
   * Work plans of `migrate --workers`: a store that several processes or
   * hosts share (PostgreSQL). Absent: the state is one machine's, and
   * `--workers` is refused.
   */
  readonly work?: WorkQueue;

  // ---- runs and checkpoints ---------------------------------------------------

  /** Starts a new run of source → target with status `running`. */
  startRun(source: string, target: string): Promise<RunRow>;
  getRun(id: number): Promise<RunRow | undefined>;
  /** The last run of this pair that did not finish (status `running` or `unfinished`), if any. */
  lastUnfinishedRun(source: string, target: string): Promise<RunRow | undefined>;
  lastRun(source: string, target: string): Promise<RunRow | undefined>;
  /** Reopens a run for `--resume`: status `running`, no finish time. */
  resumeRun(id: number): Promise<RunRow>;
  /** Marks an unfinished run `abandoned` (superseded by a new run of its pair); its crosswalk entries stay. */
  abandonRun(id: number): Promise<void>;
  /** Ends a run with its counts and status, in one transaction: `unfinished` when it stopped early (so `--resume` finds it). */
  finishRun(id: number, status: 'finished' | 'unfinished', counts: RunCounts): Promise<void>;
  lastCheckpoint(runId: number): Promise<Checkpoint | undefined>;

  // ---- crosswalk and in-flight records ------------------------------------------

  /**
   * What the state knows of many source keys of a pair at once (one round
   * trip): the crosswalk entry and the in-flight mark of each. Keys it knows
   * nothing of are absent from the map.
   */
  lookup(pair: Pair, keys: readonly string[]): Promise<Map<string, KeyState>>;
  countCrosswalk(sourceProfile: string, targetProfile: string): Promise<number>;
  countPending(sourceProfile: string, targetProfile: string): Promise<number>;

  /**
   * Marks records as handed to the target by run `runId`, in one
   * transaction. Resolves only when durable: the caller sends them after
   * that, so a run killed while they were in flight tells the next run to
   * look them up before sending them again. Replaces an older mark.
   */
  markPending(pair: Pair, runId: number, keys: readonly string[]): Promise<void>;

  /**
   * Claims emails (matching form) for source records of a run, in order and
   * in one transaction; returns only the refused claims: an email another
   * source key of the same run claimed first (earlier in this call or in an
   * earlier one). Claiming again an email the same key holds is no conflict.
   */
  claimEmails(runId: number, claims: readonly EmailClaim[]): Promise<EmailConflict[]>;

  /**
   * Commits a batch of target results in one transaction: the crosswalk
   * entries of `done` ones (a missing targetId keeps the one the entry had),
   * the in-flight marks of all of them cleared, one checkpoint row (its
   * `confirmed` is the run's total so far) and the run's counts. The caller
   * passes only what the target confirmed (or refused): nothing is marked
   * done before that. An empty batch still stores the counts.
   */
  commitBatch(run: { id: number } & Pair, confirmations: readonly Confirmation[], counts: RunCounts): Promise<void>;

  // ---- snapshots (diff --since-last) --------------------------------------------

  /**
   * Replaces the snapshot of a profile with these records, atomically: the
   * old one stays readable until the new one is complete, and a failure
   * while reading `records` leaves the old one. Written in batches (memory
   * flat). Records are stored in `snapshotForm` (no password hash).
   * Resolves to how many were saved.
   */
  saveSnapshot(profileLabel: string, records: AsyncIterable<Customer>): Promise<number>;
  /** When the snapshot was taken and how many records it holds; undefined when there is none. */
  snapshotInfo(profileLabel: string): Promise<{ takenAt: string; count: number } | undefined>;
  /** The records of the snapshot in the order saved, paged (the caller may write to the state between records); nothing when there is none. */
  readSnapshot(profileLabel: string): AsyncIterable<Customer>;

  // ---- bookmarks (--incremental) ----------------------------------------------

  getBookmark(name: string): Promise<Bookmark | undefined>;
  /** Stores (replaces) a bookmark, atomically. Call only after every write of the run is confirmed. */
  setBookmark(bookmark: Bookmark): Promise<void>;

  // ---- run history (custsync runs) ----------------------------------------------

  /** The command line a run was started (or resumed) with and which process runs it; clears an earlier stop. */
  recordStart(runId: number, argv: readonly string[], cwd: string): Promise<void>;
  /** How a run that did not finish stopped: interrupted (Ctrl-C) or failed (with the error, redacted). */
  recordStop(runId: number, stopped: 'interrupted' | 'failed' | undefined, error?: string): Promise<void>;
  /**
   * The per-record outcomes of a run, replacing those of an earlier attempt
   * of the same run; written in batches and swapped in at once (a reader
   * sees the old outcomes or the new ones, never half).
   */
  recordOutcomes(runId: number, outcomes: AsyncIterable<RecordOutcome>): Promise<void>;
  /**
   * "cannot hold" notes are shown once per pair: true when this digest was
   * not the last one shown for the pair, and remembers it.
   */
  firstShowing(source: string, target: string, digest: string): Promise<boolean>;
  /** Runs, newest first. */
  listRuns(limit: number): Promise<RunInfo[]>;
  runInfo(id: number): Promise<RunInfo | undefined>;
  /**
   * The per-record outcomes of a run in the order they came; for a run
   * killed before it wrote them, what the state knows: its confirmed
   * records (crosswalk) and those in flight.
   */
  runRecords(run: Pick<RunInfo, 'id' | 'source' | 'target'>): AsyncIterable<RunRecord>;
}
