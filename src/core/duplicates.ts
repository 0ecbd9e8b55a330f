import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emailKey, type Customer } from './customer.js';
import { invalidInput } from './invalid-input.js';

/**
 * Finds the records of an input that repeat an earlier record's key or email
 * (case-insensitive), so that a push refuses them instead of letting the
 * second silently overwrite the first on the target. The seen keys and emails
 * live in a temporary SQLite file, so memory stays flat; only the
 * duplicates themselves (few, in practice) are kept, by their position.
 */
export async function findDuplicates(records: AsyncIterable<Customer>): Promise<{ count: number; invalid: number; duplicates: Map<number, string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'custsync-dupes-'));
  const db = new Database(join(dir, 'seen.db'));
  const duplicates = new Map<number, string>();
  let count = 0;
  let invalid = 0;
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.exec('CREATE TABLE seen (kind TEXT NOT NULL, value TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (kind, value))');
    const insert = db.prepare('INSERT OR IGNORE INTO seen (kind, value, key) VALUES (?, ?, ?)');
    const first = db.prepare<[string, string], { key: string }>('SELECT key FROM seen WHERE kind = ? AND value = ?');
    db.exec('BEGIN');
    for await (const record of records) {
      const position = count;
      count += 1;
      // A line that is rejected for its cells is never sent: it cannot overwrite anything.
      if (invalidInput(record)) {
        invalid += 1;
        continue;
      }
      if (insert.run('key', record.key, record.key).changes === 0) {
        duplicates.set(position, `key ${record.key} appears more than once in the input`);
        continue;
      }
      const email = emailKey(record.email);
      if (email !== undefined && insert.run('email', email, record.key).changes === 0) {
        duplicates.set(position, `email ${record.email} is also on key ${first.get('email', email)?.key} earlier in the input`);
      }
    }
    db.exec('COMMIT');
    return { count, invalid, duplicates };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Emails claimed by source records in a run that writes no state (a dry run
 * of `migrate`), so it refuses the records the real run refuses (the real run
 * claims them in the state database, `StateBackend.claimEmails`). A temporary
 * SQLite file, so memory stays flat.
 */
export class EmailClaims {
  private readonly dir = mkdtempSync(join(tmpdir(), 'custsync-emails-'));
  private readonly db = new Database(join(this.dir, 'emails.db'));
  private readonly insert;
  private readonly owner;

  constructor() {
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.exec('CREATE TABLE emails (email TEXT PRIMARY KEY, key TEXT NOT NULL)');
    this.insert = this.db.prepare('INSERT OR IGNORE INTO emails (email, key) VALUES (?, ?)');
    this.owner = this.db.prepare<[string], { key: string }>('SELECT key FROM emails WHERE email = ?');
  }

  /** Claims the email (matching form) for a key; returns the key that claimed it first when that is another. */
  claim(email: string, key: string): string | undefined {
    if (this.insert.run(email, key).changes > 0) return undefined;
    const first = this.owner.get(email)?.key;
    return first === key ? undefined : first;
  }

  close(): void {
    if (this.db.open) this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
