import { hostname } from 'node:os';
import { CustomerSchema, type Customer } from '../customer.js';
import { BugError } from '../errors.js';
import type { RecordOutcome } from '../migrate/outcomes.js';
import { redactSecrets } from '../secrets.js';
import type { RunCounts } from '../summary.js';
import type {
  Checkpoint,
  Confirmation,
  EmailClaim,
  EmailConflict,
  KeyState,
  Pair,
  RunRow,
  StateBackend,
} from './backend.js';
import type { Bookmark } from './bookmarks.js';
import type { RunLock } from './lock.js';
import { PgConnection, sessionSettings } from './pg-connection.js';
import { now, toRun, type RunDbRow } from './rows.js';
import { PgRunLocks } from './pg-locks.js';
import { PgWorkQueue } from './pg-work.js';
import type { WorkQueue } from './work.js';
import { checkNotNewer, latestVersion, migrateSchema, schemaVersion } from './pg-schema.js';
import type { PgLocation } from './pg-url.js';
import { resumeCommand, toInfo, type RunInfo, type RunJoinRow, type RunRecord } from './runs-query.js';
import { snapshotForm } from './snapshot-form.js';

/**
 * The PostgreSQL state store (`--state postgres://…`): the same state as the
 * SQLite store, in the tables of `./pg-schema.ts` (schema `custsync` unless
 * the URL says `?schema=`), shared by every host that names the same URL.
 *
 * Every write is one statement or one transaction; a process killed at any
 * point leaves the state as of its last commit. The run lock is a session
 * advisory lock of this store's connection (`./pg-locks.ts`): it ends with
 * the connection, so the lock of a killed process or a dead host is free
 * again without anyone deciding it is stale. Bulk calls take one round trip
 * whatever their size (arrays bound as parameters and `unnest`ed).
 */


/** Rows a snapshot or outcomes page holds; also the batch of their inserts. */
const pageSize = 500;

/** Where a snapshot is written before it replaces the old one. PostgreSQL text cannot hold NUL, so \u0001 marks it (no label starts with it). */
const stagingPrefix = (label: string) => `\u0001staging:${label}\u0001`;

export class PgState implements StateBackend {
  readonly where: string;
  readonly work: WorkQueue;
  private readonly locks: PgRunLocks;

  private constructor(
    private readonly db: PgConnection,
    readonly readonly: boolean,
  ) {
    this.where = db.location.where;
    this.locks = new PgRunLocks(db);
    this.work = new PgWorkQueue(db);
  }

  /**
   * Connects and brings the schema up to this build's version (creating it
   * for `write`). `read` and `existing` create nothing: undefined when
   * custsync has no state in that database yet. A newer schema is exit 2.
   */
  static async open(location: PgLocation, access: 'write' | 'read' | 'existing' = 'write'): Promise<PgState | undefined> {
    const db = await PgConnection.open(location);
    try {
      const version = await db.run((client) => schemaVersion(client, location.schema));
      checkNotNewer(version, location.where);
      if (version === undefined && access !== 'write') {
        await db.close();
        return undefined;
      }
      if (version !== latestVersion) await db.run((client) => migrateSchema(client, location.schema, location.where));
      // One round trip for the session's settings:
      // - A commit returns once the server has it, before its disk does: like SQLite's WAL with
      //   synchronous=NORMAL, a killed custsync loses nothing, and only a crash of the server itself
      //   may lose the last fraction of a second of commits. The in-flight marks are the exception
      //   (markPending waits for the disk): they come before a record is sent, and the WAL is written
      //   in order, so whatever a server crash loses after them, the next run finds them and looks
      //   those records up on the target instead of sending them twice.
      // - The server probes this connection after 30 s of silence, so that the lock of a host that
      //   died (no FIN ever comes) is free within about a minute, not the system's two hours.
      await db.query(sessionSettings(location.schema));
      return new PgState(db, access === 'read');
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.locks.releaseAll();
    await this.db.close();
  }

  private writable(what: string): void {
    if (this.readonly) throw new BugError(`a read-only state store cannot ${what}`);
  }

  // ---- locks -------------------------------------------------------------------

  async lock(scope: string, command: string, options?: { shared?: boolean }): Promise<RunLock> {
    this.writable('take a lock');
    return this.locks.acquire(scope, command, options);
  }

  // ---- runs ----------------------------------------------------------------------

  async startRun(source: string, target: string): Promise<RunRow> {
    this.writable('start a run');
    const { rows } = await this.db.query<RunDbRow>("INSERT INTO runs (source, target, started_at, status) VALUES ($1, $2, $3, 'running') RETURNING *", [source, target, now()]);
    return toRun(rows[0]);
  }

  async getRun(id: number): Promise<RunRow | undefined> {
    const { rows } = await this.db.query<RunDbRow>('SELECT * FROM runs WHERE id = $1', [id]);
    return rows[0] && toRun(rows[0]);
  }

  async lastUnfinishedRun(source: string, target: string): Promise<RunRow | undefined> {
    const { rows } = await this.db.query<RunDbRow>(
      "SELECT * FROM runs WHERE source = $1 AND target = $2 AND status IN ('running', 'unfinished') ORDER BY id DESC LIMIT 1",
      [source, target],
    );
    return rows[0] && toRun(rows[0]);
  }

  async lastRun(source: string, target: string): Promise<RunRow | undefined> {
    const { rows } = await this.db.query<RunDbRow>('SELECT * FROM runs WHERE source = $1 AND target = $2 ORDER BY id DESC LIMIT 1', [source, target]);
    return rows[0] && toRun(rows[0]);
  }

  async resumeRun(id: number): Promise<RunRow> {
    this.writable('resume a run');
    const { rows } = await this.db.query<RunDbRow>("UPDATE runs SET status = 'running', finished_at = NULL WHERE id = $1 RETURNING *", [id]);
    if (!rows[0]) throw new BugError(`run ${id} is not in the state`);
    return toRun(rows[0]);
  }

  async abandonRun(id: number): Promise<void> {
    this.writable('abandon a run');
    await this.db.query("UPDATE runs SET status = 'abandoned', finished_at = $2 WHERE id = $1", [id, now()]);
  }

  async finishRun(id: number, status: 'finished' | 'unfinished', counts: RunCounts): Promise<void> {
    this.writable('finish a run');
    // One statement: counts and status change together.
    await this.db.query(
      'UPDATE runs SET status = $2, finished_at = $3, read = $4, created = $5, updated = $6, unchanged = $7, rejected = $8, failed = $9 WHERE id = $1',
      [id, status, now(), counts.read, counts.created, counts.updated, counts.unchanged, counts.rejected, counts.failed],
    );
  }

  async lastCheckpoint(runId: number): Promise<Checkpoint | undefined> {
    const { rows } = await this.db.query<{ seq: number; at: string; confirmed: number; last_key: string | null }>(
      'SELECT seq, at, confirmed, last_key FROM checkpoints WHERE run_id = $1 ORDER BY seq DESC LIMIT 1',
      [runId],
    );
    const row = rows[0];
    return row && { seq: row.seq, at: row.at, confirmed: row.confirmed, lastKey: row.last_key ?? undefined };
  }

  // ---- crosswalk and in-flight records ---------------------------------------------

  async lookup(pair: Pair, keys: readonly string[]): Promise<Map<string, KeyState>> {
    const found = new Map<string, KeyState>();
    if (keys.length === 0) return found;
    const { rows } = await this.db.query<{
      key: string;
      known: boolean;
      target_id: string | null;
      hash: string | null;
      run_id: number | null;
      status: string | null;
      pending_run: number | null;
    }>(
      `SELECT k.key, c.source_key IS NOT NULL AS known, c.target_id, c.hash, c.run_id, c.status, p.run_id AS pending_run
       FROM (SELECT DISTINCT unnest($3::text[]) AS key) k
       LEFT JOIN crosswalk c ON c.source_profile = $1 AND c.target_profile = $2 AND c.source_key = k.key
       LEFT JOIN pending p ON p.source_profile = $1 AND p.target_profile = $2 AND p.source_key = k.key
       WHERE c.source_key IS NOT NULL OR p.source_key IS NOT NULL`,
      [pair.source, pair.target, keys],
    );
    for (const row of rows) {
      const state: KeyState = {};
      if (row.known) {
        state.known = {
          sourceProfile: pair.source,
          sourceKey: row.key,
          targetProfile: pair.target,
          targetId: row.target_id ?? undefined,
          hash: row.hash!,
          runId: row.run_id!,
          status: row.status!,
        };
      }
      if (row.pending_run !== null) state.pending = { sourceKey: row.key, runId: row.pending_run };
      found.set(row.key, state);
    }
    return found;
  }

  async countCrosswalk(sourceProfile: string, targetProfile: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM crosswalk WHERE source_profile = $1 AND target_profile = $2', [sourceProfile, targetProfile]);
    return rows[0].n;
  }

  async countPending(sourceProfile: string, targetProfile: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM pending WHERE source_profile = $1 AND target_profile = $2', [sourceProfile, targetProfile]);
    return rows[0].n;
  }

  async markPending(pair: Pair, runId: number, keys: readonly string[]): Promise<void> {
    this.writable('mark records in flight');
    if (keys.length === 0) return;
    // The one write that waits for the disk (see `synchronous_commit` in open()): set for this
    // statement's own transaction, so that it stays one round trip.
    await this.db.query(
      `WITH durable AS (SELECT set_config('synchronous_commit', 'on', true))
       INSERT INTO pending (source_profile, source_key, target_profile, run_id)
       SELECT $1, key, $2, $3 FROM (SELECT DISTINCT unnest($4::text[]) AS key) k CROSS JOIN durable
       ON CONFLICT (source_profile, target_profile, source_key) DO UPDATE SET run_id = excluded.run_id`,
      [pair.source, pair.target, runId, keys],
    );
  }

  async claimEmails(runId: number, claims: readonly EmailClaim[]): Promise<EmailConflict[]> {
    this.writable('claim emails');
    if (claims.length === 0) return [];
    // The first claim of each email in this call is the one that may win; the earlier calls' claims are in the table.
    const first = new Map<string, string>();
    for (const claim of claims) if (!first.has(claim.email)) first.set(claim.email, claim.sourceKey);
    const emails = [...first.keys()];
    // One statement: the rows that were there, and those it inserted (a statement does not see its own inserts).
    const { rows } = await this.db.query<{ email: string; source_key: string }>(
      `WITH claimed AS (
         INSERT INTO run_emails (run_id, email, source_key)
         SELECT $1, email, source_key FROM unnest($2::text[], $3::text[]) AS t (email, source_key)
         ON CONFLICT (run_id, email) DO NOTHING
         RETURNING email, source_key)
       SELECT email, source_key FROM claimed
       UNION ALL
       SELECT email, source_key FROM run_emails WHERE run_id = $1 AND email = ANY ($2::text[])`,
      [runId, emails, emails.map((email) => first.get(email)!)],
    );
    const owner = new Map(rows.map((row) => [row.email, row.source_key]));
    return claims.flatMap((claim) => {
      const holder = owner.get(claim.email);
      return holder !== undefined && holder !== claim.sourceKey ? [{ ...claim, owner: holder }] : [];
    });
  }

  async commitBatch(run: { id: number } & Pair, confirmations: readonly Confirmation[], counts: RunCounts): Promise<void> {
    this.writable('commit a batch');
    // A key confirmed twice in one batch: its last confirmation is the one that holds (ON CONFLICT may touch a row once).
    const done = new Map<string, Extract<Confirmation, { kind: 'done' }>>();
    for (const item of confirmations) {
      // …keeping the target id an earlier one gave, when the last gives none (as consecutive upserts would).
      if (item.kind === 'done') done.set(item.sourceKey, { ...item, targetId: item.targetId ?? done.get(item.sourceKey)?.targetId });
    }
    const confirmed = confirmations.filter((item) => item.kind === 'done').length;
    const items = [...done.values()];
    // One statement, so one transaction and one round trip: crosswalk, in-flight marks, checkpoint, counts.
    await this.db.query(
      `WITH upsert AS (
         INSERT INTO crosswalk (source_profile, source_key, target_profile, target_id, hash, run_id, status, updated_at)
         SELECT $2, source_key, $3, target_id, hash, $1, status, $4
         FROM unnest($5::text[], $6::text[], $7::text[], $8::text[]) AS t (source_key, target_id, hash, status)
         ON CONFLICT (source_profile, target_profile, source_key) DO UPDATE SET
           target_id = COALESCE(excluded.target_id, crosswalk.target_id), hash = excluded.hash, run_id = excluded.run_id,
           status = excluded.status, updated_at = excluded.updated_at
         RETURNING 1),
       cleared AS (
         DELETE FROM pending WHERE source_profile = $2 AND target_profile = $3 AND source_key = ANY ($9::text[]) RETURNING 1),
       checkpoint AS (
         INSERT INTO checkpoints (run_id, seq, at, confirmed, last_key)
         SELECT $1, COALESCE(max(seq), 0) + 1, $4, COALESCE(max(confirmed), 0) + $10, $11 FROM checkpoints WHERE run_id = $1 HAVING $12
         RETURNING 1)
       UPDATE runs SET read = $13, created = $14, updated = $15, unchanged = $16, rejected = $17, failed = $18 WHERE id = $1`,
      [
        run.id,
        run.source,
        run.target,
        now(),
        items.map((item) => item.sourceKey),
        items.map((item) => item.targetId ?? null),
        items.map((item) => item.hash),
        items.map((item) => item.status),
        confirmations.map((item) => item.sourceKey),
        confirmed,
        confirmations.at(-1)?.sourceKey ?? null,
        confirmations.length > 0,
        counts.read,
        counts.created,
        counts.updated,
        counts.unchanged,
        counts.rejected,
        counts.failed,
      ],
    );
  }

  // ---- snapshots -------------------------------------------------------------------

  async saveSnapshot(profileLabel: string, records: AsyncIterable<Customer>): Promise<number> {
    this.writable('save a snapshot');
    const prefix = stagingPrefix(profileLabel);
    const staging = `${prefix}${process.pid}@${hostname()}:${Date.now()}`;
    // What a killed run of this profile left half-written (the caller holds the profile's lock, so no live run writes there).
    await this.db.query('DELETE FROM snapshot_records WHERE starts_with(profile, $1)', [prefix]);
    let seq = 0;
    let batch: Array<{ key: string; record: string }> = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const rows = batch;
      batch = [];
      const from = seq - rows.length + 1;
      await this.db.query(
        'INSERT INTO snapshot_records (profile, seq, key, record) SELECT $1, $2 + ord - 1, key, record FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS t (key, record, ord)',
        [staging, from, rows.map((row) => row.key), rows.map((row) => row.record)],
      );
    };
    try {
      for await (const record of records) {
        seq += 1;
        batch.push({ key: record.key, record: JSON.stringify(snapshotForm(record)) });
        if (batch.length >= pageSize) await flush();
      }
      await flush();
    } catch (error) {
      await this.db.query('DELETE FROM snapshot_records WHERE profile = $1', [staging]).catch(() => undefined);
      throw error;
    }
    await this.db.transaction(async (client) => {
      await client.query('DELETE FROM snapshot_records WHERE profile = $1', [profileLabel]);
      await client.query('UPDATE snapshot_records SET profile = $1 WHERE profile = $2', [profileLabel, staging]);
      await client.query(
        'INSERT INTO snapshots (profile, taken_at, count) VALUES ($1, $2, $3) ON CONFLICT (profile) DO UPDATE SET taken_at = excluded.taken_at, count = excluded.count',
        [profileLabel, now(), seq],
      );
    });
    return seq;
  }

  async snapshotInfo(profileLabel: string): Promise<{ takenAt: string; count: number } | undefined> {
    const { rows } = await this.db.query<{ takenAt: string; count: number }>('SELECT taken_at AS "takenAt", count FROM snapshots WHERE profile = $1', [profileLabel]);
    return rows[0];
  }

  async *readSnapshot(profileLabel: string): AsyncGenerator<Customer> {
    for (let after = 0; ; ) {
      // Paged rather than one open cursor, so that the caller may write to the state between records.
      const { rows } = await this.db.query<{ seq: number; record: string }>(
        'SELECT seq, record FROM snapshot_records WHERE profile = $1 AND seq > $2 ORDER BY seq LIMIT $3',
        [profileLabel, after, pageSize],
      );
      if (rows.length === 0) return;
      for (const row of rows) {
        after = row.seq;
        yield CustomerSchema.parse(JSON.parse(row.record));
      }
    }
  }

  // ---- bookmarks ---------------------------------------------------------------------

  async getBookmark(name: string): Promise<Bookmark | undefined> {
    const { rows } = await this.db.query<{ name: string; scope: string; read_started_at: string; clock: 'server' | 'local'; saved_at: string }>(
      'SELECT * FROM bookmarks WHERE name = $1',
      [name],
    );
    const row = rows[0];
    return row && { name: row.name, scope: row.scope, readStartedAt: new Date(row.read_started_at), clock: row.clock, savedAt: new Date(row.saved_at) };
  }

  async setBookmark(bookmark: Bookmark): Promise<void> {
    this.writable('store a bookmark');
    await this.db.query(
      `INSERT INTO bookmarks (name, scope, read_started_at, clock, saved_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO UPDATE SET scope = excluded.scope, read_started_at = excluded.read_started_at, clock = excluded.clock, saved_at = excluded.saved_at`,
      [bookmark.name, bookmark.scope, bookmark.readStartedAt.toISOString(), bookmark.clock, (bookmark.savedAt ?? new Date()).toISOString()],
    );
  }

  // ---- run history -------------------------------------------------------------------

  async recordStart(runId: number, argv: readonly string[], cwd: string): Promise<void> {
    this.writable('record a run');
    await this.db.query(
      `INSERT INTO run_meta (run_id, argv, cwd, pid, host, stopped, error) VALUES ($1, $2, $3, $4, $5, NULL, NULL)
       ON CONFLICT (run_id) DO UPDATE SET pid = excluded.pid, host = excluded.host, stopped = NULL, error = NULL`,
      [runId, JSON.stringify(argv.map(redactSecrets)), cwd, process.pid, hostname()],
    );
  }

  async recordStop(runId: number, stopped: 'interrupted' | 'failed' | undefined, error?: string): Promise<void> {
    this.writable('record a run');
    await this.db.query('UPDATE run_meta SET stopped = $2, error = $3 WHERE run_id = $1', [runId, stopped ?? null, error === undefined ? null : redactSecrets(error)]);
  }

  async recordOutcomes(runId: number, outcomes: AsyncIterable<RecordOutcome>): Promise<void> {
    this.writable('record outcomes');
    // Written under a negative run id, then swapped in at once: a reader sees the old outcomes or the new ones.
    const staging = -runId;
    await this.db.query('DELETE FROM run_records WHERE run_id = $1', [staging]);
    let seq = 0;
    let batch: RecordOutcome[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const rows = batch;
      batch = [];
      await this.db.query(
        `INSERT INTO run_records (run_id, seq, key, status, target_id, email, reason)
         SELECT $1, $2 + ord - 1, key, status, target_id, email, reason
         FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS t (key, status, target_id, email, reason, ord)`,
        [
          staging,
          seq,
          rows.map((o) => o.key),
          rows.map((o) => o.status),
          rows.map((o) => o.targetId ?? null),
          rows.map((o) => o.email ?? null),
          rows.map((o) => (o.reason === undefined ? null : redactSecrets(o.reason))),
        ],
      );
      seq += rows.length;
    };
    for await (const outcome of outcomes) {
      batch.push(outcome);
      if (batch.length >= pageSize) await flush();
    }
    await flush();
    await this.db.transaction(async (client) => {
      await client.query('DELETE FROM run_records WHERE run_id = $1', [runId]);
      await client.query('UPDATE run_records SET run_id = $1 WHERE run_id = $2', [runId, staging]);
    });
  }

  async firstShowing(source: string, target: string, digest: string): Promise<boolean> {
    this.writable('remember a note');
    // Inserted or changed: shown now. Unchanged (the WHERE of DO UPDATE fails): shown before.
    const { rowCount } = await this.db.query(
      `INSERT INTO notes_shown (source, target, digest) VALUES ($1, $2, $3)
       ON CONFLICT (source, target) DO UPDATE SET digest = excluded.digest WHERE notes_shown.digest <> excluded.digest`,
      [source, target, digest],
    );
    return (rowCount ?? 0) > 0;
  }

  async listRuns(limit: number): Promise<RunInfo[]> {
    return this.selectRuns('ORDER BY r.id DESC LIMIT $1', limit);
  }

  async runInfo(id: number): Promise<RunInfo | undefined> {
    return (await this.selectRuns('WHERE r.id = $1', id))[0];
  }

  /**
   * A run that says `running` runs indeed while the lock of its pair is held
   * by a session of the server, on whatever host; when no session holds it,
   * the process that ran it is gone (killed, or its host died).
   */
  private async selectRuns(tail: string, parameter: number): Promise<RunInfo[]> {
    const { rows } = await this.db.query<RunJoinRow & { live: boolean }>(
      `SELECT r.*, m.argv, m.cwd, m.pid, m.host, m.stopped, m.error,
         EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = $2 AND l.objid::bigint = ${PgRunLocks.objidSql("'migrate ' || r.source || ' → ' || r.target")}) AS live
       FROM runs r LEFT JOIN run_meta m ON m.run_id = r.id ${tail}`,
      [parameter, PgRunLocks.classid],
    );
    return rows.map((row) => {
      const { live, ...joined } = row;
      const info = toInfo(joined);
      if (info.state === 'running' && !live) {
        info.state = 'killed-resumable';
        info.resume = resumeCommand(info.argv ?? ['migrate', '--from', info.source, '--to', info.target], info.cwd);
      }
      return info;
    });
  }

  async *runRecords(run: Pick<RunInfo, 'id' | 'source' | 'target'>): AsyncGenerator<RunRecord> {
    let any = false;
    for (let after = -1; ; ) {
      const { rows } = await this.db.query<{ seq: number; key: string; status: string; target_id: string | null; email: string | null; reason: string | null }>(
        'SELECT seq, key, status, target_id, email, reason FROM run_records WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
        [run.id, after, pageSize],
      );
      if (rows.length === 0) break;
      any = true;
      for (const row of rows) {
        after = row.seq;
        yield { key: row.key, status: row.status, targetId: row.target_id ?? undefined, email: row.email ?? undefined, reason: row.reason ?? undefined };
      }
    }
    if (any) return;
    // A run killed before it wrote its outcomes: what the state knows of it, paged (memory flat).
    for (let at = '', key = ''; ; ) {
      const { rows } = await this.db.query<{ key: string; status: string; target_id: string | null; updated_at: string }>(
        'SELECT source_key AS key, status, target_id, updated_at FROM crosswalk WHERE run_id = $1 AND (updated_at, source_key) > ($2, $3) ORDER BY updated_at, source_key LIMIT $4',
        [run.id, at, key, pageSize],
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        ({ updated_at: at, key } = row);
        yield { key: row.key, status: row.status, targetId: row.target_id ?? undefined };
      }
    }
    for (let after = ''; ; ) {
      const { rows } = await this.db.query<{ key: string }>('SELECT source_key AS key FROM pending WHERE run_id = $1 AND source_key > $2 ORDER BY source_key LIMIT $3', [
        run.id,
        after,
        pageSize,
      ]);
      if (rows.length === 0) return;
      for (const row of rows) {
        after = row.key;
        yield { key: row.key, status: 'in flight', note: 'sent, not confirmed: the next run looks it up on the target before sending it again' };
      }
    }
  }
}
