import type { WriteResult, WriteStatus } from './dialect.js';

/**
 * The counts every `push` and `migrate` ends with (SPEC section 1):
 * read = created + updated + unchanged + rejected + failed, always.
 */
export interface RunCounts {
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  failed: number;
}

export function emptyCounts(): RunCounts {
  return { read: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, failed: 0 };
}

export function countResult(counts: RunCounts, status: WriteStatus): void {
  counts[status] += 1;
}

/** Records that were read but got no outcome (a run stopped mid-way) are counted `failed`, so nothing goes missing from the sum. */
export function settleCounts(counts: RunCounts): RunCounts {
  const outcomes = counts.created + counts.updated + counts.unchanged + counts.rejected + counts.failed;
  if (outcomes < counts.read) counts.failed += counts.read - outcomes;
  return counts;
}

export function formatCounts(counts: RunCounts): string {
  return `read ${counts.read} · created ${counts.created} · updated ${counts.updated} · unchanged ${counts.unchanged} · rejected ${counts.rejected} · failed ${counts.failed}`;
}

export function exitCodeFor(counts: RunCounts): number {
  return counts.rejected + counts.failed > 0 ? 1 : 0;
}

export type { WriteResult };
