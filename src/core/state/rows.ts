import type { RunCounts } from '../summary.js';
import type { RunRow, RunStatus } from './backend.js';

/**
 * The `runs` table as both stores (SQLite, PostgreSQL) hold it: one schema,
 * so one row shape and one way to turn a row into a {@link RunRow}.
 */
export interface RunDbRow extends RunCounts {
  id: number;
  source: string;
  target: string;
  started_at: string;
  finished_at: string | null;
  status: RunStatus;
}

export function toRun(row: RunDbRow): RunRow {
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

/** State times are ISO 8601 text in both stores. */
export const now = (): string => new Date().toISOString();
