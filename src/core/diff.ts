import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inBatches } from './concurrent.js';
import { CustomerSchema, emailKey, type Address, type Customer } from './customer.js';
import { UserError } from './errors.js';

/**
 * `diff` (SPEC section 1): matches two streams of customers by `key` or by
 * email and reports what was added, removed and changed, field by field.
 * The `to` side is indexed in a temporary SQLite file, so memory stays flat
 * whatever the size of either side.
 */
export type DiffKey = 'email' | 'key';

export interface FieldChange {
  field: string;
  from: string | null;
  to: string | null;
}

export interface ChangedRecord {
  key: string;
  email?: string;
  changes: FieldChange[];
}

export interface DiffOptions {
  key: DiffKey;
  /** Fields left out of the comparison (e.g. timestamps the target sets itself). */
  ignore?: string[];
  /**
   * Between two systems: a field the newer side lacks is not a change, since
   * a migration never clears what it does not send (ids and defaults the
   * target sets for itself). A snapshot diff leaves this off: there a field
   * that went away is a change.
   */
  absentIsNoChange?: boolean;
}

/** What a diff hands its renderer, in order: every added, then removed, then changed record. */
export interface DiffSink {
  added(record: Customer): Promise<void> | void;
  removed(record: Customer): Promise<void> | void;
  changed(change: ChangedRecord): Promise<void> | void;
  end(summary: DiffSummary): Promise<void> | void;
}

export interface DiffSummary {
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
}

export function matchKey(record: Customer, key: DiffKey): string | undefined {
  return key === 'email' ? emailKey(record.email) : record.key;
}

function show(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function addressFields(prefix: string, address: Address | undefined): Array<[string, unknown]> {
  if (!address) return [];
  const { kind: _kind, isDefault: _isDefault, lines, ...rest } = address;
  return [[`${prefix}.lines`, lines.length ? lines.join(' | ') : undefined], ...Object.entries(rest).map(([name, v]) => [`${prefix}.${name}`, v] as [string, unknown])];
}

/** A record as comparable `path → value` pairs, with the paths the SPEC names (`addresses[billing].city`, `groups`, `custom.x`). */
export function flatten(record: Customer): Map<string, string> {
  const out = new Map<string, string>();
  const put = (path: string, value: unknown) => {
    const text = show(value);
    if (text !== null && text !== '') out.set(path, text);
  };
  for (const field of Object.keys(CustomerSchema.shape) as Array<keyof Customer>) {
    if (field === 'addresses' || field === 'groups' || field === 'custom' || field === 'source') continue;
    put(field, record[field]);
  }
  put('groups', [...record.groups].sort().join(';'));
  for (const [name, value] of Object.entries(record.custom)) put(`custom.${name}`, value);
  for (const kind of ['billing', 'shipping'] as const) {
    const main = record.addresses.find((a) => a.kind === kind && a.isDefault);
    for (const [path, value] of addressFields(`addresses[${kind}]`, main)) put(path, value);
    record.addresses
      .filter((a) => a.kind === kind && !a.isDefault)
      .forEach((address, i) => {
        for (const [path, value] of addressFields(`addresses[${kind}#${i + 2}]`, address)) put(path, value);
      });
  }
  return out;
}

/** Fields the systems set for themselves on every write. */
export const timestampFields = ['createdAt', 'updatedAt'] as const;

/**
 * `--ignore FIELD` as typed: a canonical field (`note`, or its CSV name
 * `updated_at`), or a path of the diff's own (`addresses[billing].city`,
 * `addresses[billing]`, `addresses`, `custom.x`, `custom`). Exit 2 for a
 * field the canonical record does not have.
 */
export function parseIgnored(fields: string[]): string[] {
  const known = Object.keys(CustomerSchema.shape);
  return fields.map((typed) => {
    const field = typed.trim();
    const head = /^[A-Za-z_]+/.exec(field)?.[0] ?? '';
    const camel = head.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!known.includes(camel) || camel === 'source') {
      throw new UserError(`--ignore names an unknown field "${typed}"`, `fields: ${known.filter((k) => k !== 'source').join(', ')}; paths like addresses[billing].city or custom.NAME`);
    }
    return camel + field.slice(head.length);
  });
}

/** A path is left out when it, its record-level part (`addresses[billing]`) or its field (`addresses`, `custom`) is ignored. */
function ignored(path: string, ignore: ReadonlySet<string>): boolean {
  return ignore.size > 0 && (ignore.has(path) || ignore.has(path.split('.')[0]) || ignore.has(path.split(/[.[]/)[0]));
}

export function compareRecords(from: Customer, to: Customer, ignore: ReadonlySet<string>, absentIsNoChange = false): FieldChange[] {
  const a = flatten(from);
  const b = flatten(to);
  const changes: FieldChange[] = [];
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    if (ignored(path, ignore)) continue;
    const left = a.get(path) ?? null;
    const right = b.get(path) ?? null;
    if (left === right || (absentIsNoChange && left === null)) continue;
    // A changed password hash is a difference worth knowing about, but its value is never printed.
    if (path === 'passwordHash') changes.push({ field: path, from: right === null ? null : '***', to: left === null ? null : '***' });
    else changes.push({ field: path, from: right, to: left });
  }
  return changes;
}

/**
 * Compares `newer` (the `--from` side, or the source now) with `older` (the
 * `--to` side, or the stored snapshot). A change reads `field: older -> newer`.
 */
export async function diffStreams(newer: AsyncIterable<Customer>, older: AsyncIterable<Customer>, options: DiffOptions, sink: DiffSink): Promise<DiffSummary> {
  const dir = mkdtempSync(join(tmpdir(), 'custsync-diff-'));
  const db = new Database(join(dir, 'diff.db'));
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.exec('CREATE TABLE older (k TEXT PRIMARY KEY, record TEXT NOT NULL, seen INTEGER NOT NULL DEFAULT 0); CREATE TABLE added (n INTEGER PRIMARY KEY, record TEXT); CREATE TABLE changed (n INTEGER PRIMARY KEY, change TEXT)');
    const insertOlder = db.prepare('INSERT OR REPLACE INTO older (k, record) VALUES (?, ?)');
    const storeOlder = db.transaction((batch: Customer[]) => {
      for (const record of batch) {
        const k = matchKey(record, options.key);
        if (k !== undefined) insertOlder.run(k, JSON.stringify(record));
      }
    });
    for await (const batch of inBatches(older, 500)) storeOlder(batch);

    const ignore = new Set(options.ignore ?? []);
    const find = db.prepare<[string], { record: string; seen: number }>('SELECT record, seen FROM older WHERE k = ?');
    const markSeen = db.prepare('UPDATE older SET seen = 1 WHERE k = ?');
    const addAdded = db.prepare('INSERT INTO added (record) VALUES (?)');
    const addChanged = db.prepare('INSERT INTO changed (change) VALUES (?)');
    const summary: DiffSummary = { added: 0, removed: 0, changed: 0, unchanged: 0 };
    const compareBatch = db.transaction((batch: Customer[]) => {
      for (const record of batch) {
        const k = matchKey(record, options.key);
        const found = k === undefined ? undefined : find.get(k);
        if (!found || found.seen) {
          summary.added += 1;
          addAdded.run(JSON.stringify(record));
          continue;
        }
        markSeen.run(k);
        const changes = compareRecords(record, JSON.parse(found.record) as Customer, ignore, options.absentIsNoChange);
        if (changes.length === 0) summary.unchanged += 1;
        else {
          summary.changed += 1;
          addChanged.run(JSON.stringify({ key: record.key, email: record.email, changes } satisfies ChangedRecord));
        }
      }
    });
    for await (const batch of inBatches(newer, 500)) compareBatch(batch);

    for (const row of db.prepare<[], { record: string }>('SELECT record FROM added ORDER BY n').iterate()) await sink.added(JSON.parse(row.record) as Customer);
    for (const row of db.prepare<[], { record: string }>('SELECT record FROM older WHERE seen = 0 ORDER BY rowid').iterate()) {
      summary.removed += 1;
      await sink.removed(JSON.parse(row.record) as Customer);
    }
    for (const row of db.prepare<[], { change: string }>('SELECT change FROM changed ORDER BY n').iterate()) await sink.changed(JSON.parse(row.change) as ChangedRecord);
    await sink.end(summary);
    return summary;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
