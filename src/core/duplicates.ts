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
