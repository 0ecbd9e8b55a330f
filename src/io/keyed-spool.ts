import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Customer } from '../core/customer.js';

/**
 * Records in order, found by key, in a temporary SQLite file: what updating a
 * file target by key needs (the file's records, replaced or added to, written
 * back in their order) with memory flat whatever the file's size.
 */
export class KeyedSpool {
  private readonly db: Database.Database;
  private seq = 0;
  private readonly statements;

  constructor(private readonly dir = mkdtempSync(join(tmpdir(), 'custsync-merge-'))) {
    this.db = new Database(join(dir, 'records.db'));
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.exec('CREATE TABLE records (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, json TEXT NOT NULL); CREATE INDEX records_key ON records (key, seq)');
    this.statements = {
      insert: this.db.prepare('INSERT INTO records (seq, key, json) VALUES (?, ?, ?)'),
      find: this.db.prepare<[string], { seq: number; json: string }>('SELECT seq, json FROM records WHERE key = ? ORDER BY seq LIMIT 1'),
      replace: this.db.prepare('UPDATE records SET json = ? WHERE seq = ?'),
      page: this.db.prepare<[number], { seq: number; json: string }>('SELECT seq, json FROM records WHERE seq > ? ORDER BY seq LIMIT 500'),
    };
  }

  append(record: Customer): void {
    this.seq += 1;
    this.statements.insert.run(this.seq, record.key, JSON.stringify(record));
  }

  /** The first record with this key, and its place. */
  find(key: string): { seq: number; record: Customer } | undefined {
    const row = this.statements.find.get(key);
    return row && { seq: row.seq, record: JSON.parse(row.json) as Customer };
  }

  replace(seq: number, record: Customer): void {
    this.statements.replace.run(JSON.stringify(record), seq);
  }

  /** Every record in its order, a page at a time. */
  *records(): Generator<Customer> {
    let after = 0;
    for (;;) {
      const rows = this.statements.page.all(after);
      if (rows.length === 0) return;
      for (const row of rows) {
        after = row.seq;
        yield JSON.parse(row.json) as Customer;
      }
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
