import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { processAlive } from './lock.js';
import { openState } from './open.js';
import { PgConnection } from './pg-connection.js';
import { lockClass, migrateSchema } from './pg-schema.js';
import { isStateUrl, parseStateUrl, type PgLocation } from './pg-url.js';

/**
 * `custsync state copy --from DIR|URL --to DIR|URL`: moves a whole state
 * (SQLite directory or PostgreSQL database, either way) as it is, table by
 * table: runs with their ids, checkpoints, crosswalk, in-flight marks, run
 * emails, snapshots, bookmarks and the run history. Locks are not copied
 * (they belong to live processes), nor is a half-written snapshot.
 *
 * Safe by construction: the source is read in one read transaction (a
 * consistent picture even while it is used), the destination is written in
 * one transaction (a failed copy leaves it as it was), and a destination that
 * holds state already is refused (nothing is merged). Memory stays flat:
 * rows are streamed in pages.
 */

/** The tables of a state and their columns: the same in both stores (`./pg-schema.ts` mirrors `./sqlite.ts`). */
export const stateTables: ReadonlyArray<{ name: string; columns: readonly string[]; order: string }> = [
  { name: 'runs', columns: ['id', 'source', 'target', 'started_at', 'finished_at', 'status', 'read', 'created', 'updated', 'unchanged', 'rejected', 'failed'], order: 'id' },
  { name: 'checkpoints', columns: ['run_id', 'seq', 'at', 'confirmed', 'last_key'], order: 'run_id, seq' },
  { name: 'crosswalk', columns: ['source_profile', 'source_key', 'target_profile', 'target_id', 'hash', 'run_id', 'status', 'updated_at'], order: 'source_profile, target_profile, source_key' },
  { name: 'pending', columns: ['source_profile', 'source_key', 'target_profile', 'run_id'], order: 'source_profile, target_profile, source_key' },
  { name: 'run_emails', columns: ['run_id', 'email', 'source_key'], order: 'run_id, email' },
  { name: 'snapshots', columns: ['profile', 'taken_at', 'count'], order: 'profile' },
  { name: 'snapshot_records', columns: ['profile', 'seq', 'key', 'record'], order: 'profile, seq' },
  { name: 'bookmarks', columns: ['name', 'scope', 'read_started_at', 'clock', 'saved_at'], order: 'name' },
  { name: 'run_meta', columns: ['run_id', 'argv', 'cwd', 'pid', 'host', 'stopped', 'error'], order: 'run_id' },
  { name: 'run_records', columns: ['run_id', 'seq', 'key', 'status', 'target_id', 'email', 'reason'], order: 'run_id, seq' },
  { name: 'notes_shown', columns: ['source', 'target', 'digest'], order: 'source, target' },
];

type Row = Record<string, string | number | null>;

/** Rows a state holds that are not finished state: half-written snapshots and outcomes (staging rows). */
function isStaging(table: string, row: Row): boolean {
  if (table === 'snapshot_records') return /^[\u0000\u0001]/.test(String(row.profile));
  if (table === 'run_records') return Number(row.run_id) < 0;
  return false;
}

const pageSize = 1000;

interface StateReader {
  where: string;
  rows(table: string, columns: readonly string[], order: string): AsyncIterable<Row>;
  close(): Promise<void>;
}

interface StateWriter {
  where: string;
  /** Throws when the destination already holds state. */
  checkEmpty(): Promise<void>;
  insert(table: string, columns: readonly string[], rows: Row[]): Promise<void>;
  commit(): Promise<void>;
  /** Rolls back what was not committed, and closes. */
  close(): Promise<void>;
}

export interface CopyResult {
  from: string;
  to: string;
  /** Rows copied per table. */
  rows: Record<string, number>;
}

export async function copyState(from: string, to: string): Promise<CopyResult> {
  if (from === to) throw new UserError('state copy: --from and --to name the same state', 'give --to another directory or database');
  const reader = await openReader(from);
  let writer: StateWriter | undefined;
  try {
    writer = await openWriter(to);
    await writer.checkEmpty();
    const rows: Record<string, number> = {};
    for (const table of stateTables) {
      let batch: Row[] = [];
      let n = 0;
      for await (const row of reader.rows(table.name, table.columns, table.order)) {
        if (isStaging(table.name, row)) continue;
        batch.push(row);
        n += 1;
        if (batch.length >= pageSize) {
          await writer.insert(table.name, table.columns, batch);
          batch = [];
        }
      }
      if (batch.length > 0) await writer.insert(table.name, table.columns, batch);
      rows[table.name] = n;
    }
    await writer.commit();
    return { from: reader.where, to: writer.where, rows };
  } finally {
    await writer?.close();
    await reader.close();
  }
}

// ---- SQLite ----------------------------------------------------------------------

async function openReader(spec: string): Promise<StateReader> {
  if (isStateUrl(spec)) return pgReader(parseStateUrl(spec));
  const path = join(spec, 'state.db');
  if (!existsSync(path)) throw new UserError(`state copy: there is no state in ${spec} (no state.db)`, 'check --from: a state directory, or a postgres:// URL');
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const has = (table: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
  if (has('locks')) {
    const live = (db.prepare('SELECT pid, host, command FROM locks').all() as Array<{ pid: number; host: string; command: string }>).find(
      (lock) => lock.host !== hostname() || processAlive(lock.pid),
    );
    if (live) {
      db.close();
      throw new UserError(`state copy: ${live.command} (pid ${live.pid} on ${live.host}) is using the state in ${spec}`, 'copy it when no run uses it');
    }
  }
  // One read transaction: every table as of one moment, even if a run writes meanwhile.
  db.exec('BEGIN');
  return {
    where: path,
    async *rows(table, columns, order) {
      if (!has(table)) return;
      yield* db.prepare(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY ${order}`).iterate() as Iterable<Row>;
    },
    close: async () => {
      if (db.open) db.close();
    },
  };
}

async function openWriter(spec: string): Promise<StateWriter> {
  if (isStateUrl(spec)) return pgWriter(parseStateUrl(spec));
  // The state store creates its tables; the rows then go in with one transaction of our own.
  await (await openState(spec)).close();
  const path = join(spec, 'state.db');
  const db = new Database(path);
  db.pragma('busy_timeout = 5000');
  db.exec('BEGIN IMMEDIATE');
  const statements = new Map<string, Database.Statement>();
  return {
    where: path,
    async checkEmpty() {
      const held = stateTables.filter((table) => db.prepare(`SELECT 1 FROM ${table.name} LIMIT 1`).get() !== undefined).map((table) => table.name);
      if (held.length > 0) {
        throw new UserError(`state copy: ${path} holds state already (${held.join(', ')})`, 'copy into a new directory or an empty database: nothing is merged');
      }
    },
    async insert(table, columns, rows) {
      let insert = statements.get(table);
      if (!insert) {
        insert = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
        statements.set(table, insert);
      }
      for (const row of rows) insert.run(row);
    },
    async commit() {
      db.exec('COMMIT');
    },
    close: async () => {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    },
  };
}

// ---- PostgreSQL ------------------------------------------------------------------

async function pgReader(location: PgLocation): Promise<StateReader> {
  const db = await PgConnection.open(location);
  try {
    const schema = await db.query<{ found: string | null }>('SELECT to_regclass($1) AS found', [`"${location.schema}".runs`]);
    if (schema.rows[0].found === null) throw new UserError(`state copy: there is no custsync state in ${location.where}`, 'check --from');
    const live = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid::bigint = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      [lockClass],
    );
    if (live.rows[0].n > 0) throw new UserError(`state copy: a run is using the state in ${location.where}`, 'copy it when no run uses it (custsync runs lists them)');
    await db.query(`SET search_path TO "${location.schema}"`);
    // One snapshot of the whole database for every table.
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  } catch (error) {
    await db.close();
    throw error;
  }
  return {
    where: location.where,
    async *rows(table, columns, order) {
      await db.query(`DECLARE copy_${table} NO SCROLL CURSOR FOR SELECT ${columns.join(', ')} FROM ${table} ORDER BY ${order}`);
      for (;;) {
        const { rows } = await db.query<Row>(`FETCH ${pageSize} FROM copy_${table}`);
        if (rows.length === 0) break;
        yield* rows;
      }
      await db.query(`CLOSE copy_${table}`);
    },
    close: () => db.close(),
  };
}

async function pgWriter(location: PgLocation): Promise<StateWriter> {
  const db = await PgConnection.open(location);
  try {
    await db.run((client) => migrateSchema(client, location.schema, location.where));
    await db.query(`SET search_path TO "${location.schema}"`);
    await db.query('BEGIN');
    // No run may start on the destination while it is being filled.
    await db.query('LOCK TABLE runs IN EXCLUSIVE MODE');
  } catch (error) {
    await db.close();
    throw error;
  }
  let committed = false;
  return {
    where: location.where,
    async checkEmpty() {
      const held: string[] = [];
      for (const table of stateTables) {
        const { rows } = await db.query(`SELECT 1 FROM ${table.name} LIMIT 1`);
        if (rows.length > 0) held.push(table.name);
      }
      if (held.length > 0) {
        throw new UserError(`state copy: ${location.where} holds state already (${held.join(', ')})`, 'copy into a new directory or an empty database (or another ?schema=): nothing is merged');
      }
    },
    async insert(table, columns, rows) {
      // Rows of any table in one statement: a JSON array read as rows of the table's own type.
      await db.query(`INSERT INTO ${table} (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM json_populate_recordset(NULL::${table}, $1)`, [JSON.stringify(rows)]);
    },
    async commit() {
      // The next run gets an id after the copied ones.
      await db.query("SELECT setval(pg_get_serial_sequence('runs', 'id'), GREATEST((SELECT max(id) FROM runs), 1), (SELECT max(id) FROM runs) IS NOT NULL)");
      await db.query('COMMIT');
      committed = true;
    },
    close: async () => {
      if (!committed) await db.query('ROLLBACK').catch(() => undefined);
      await db.close();
    },
  };
}
