import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RunHistory } from '../core/state/runs-query.js';
import type { Logger } from './logger.js';

/**
 * "cannot hold" notes: the fields of the source that the target has no place
 * for, as one compact block, shown once per source → target pair (and again
 * only when the set of fields changes), not a dozen lines on every run. The
 * pair's last shown set is kept in the state database; without one (a push
 * with no state directory yet) the block is shown every time.
 */
export interface LostFieldsNote {
  log: Logger;
  /** As the user typed them, for the message. */
  sourceLabel: string;
  targetLabel: string;
  /** As the state store names them, for remembering. */
  sourceId: string;
  targetId: string;
  /** Field path → records that had a value there. */
  lost: ReadonlyMap<string, number>;
  /** `--state DIR`. */
  stateDir: string;
  /** Create the state database when there is none (migrate has one anyway; push does not make one for this). */
  create: boolean;
  width?: number;
}

/** Field paths with their counts, wrapped into lines of at most `width` characters after a two-space indent. */
export function lostFieldsBlock(lost: ReadonlyMap<string, number>, width = 100): string[] {
  const items = [...lost.entries()].sort(([a, x], [b, y]) => y - x || a.localeCompare(b)).map(([field, n]) => `${field} (${n})`);
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const next = line ? `${line}, ${item}` : item;
    if (line && next.length + 2 > width) {
      lines.push(`  ${line},`);
      line = item;
    } else line = next;
  }
  if (line) lines.push(`  ${line}`);
  return lines;
}

export function showLostFields(note: LostFieldsNote): void {
  if (note.lost.size === 0) return;
  const digest = createHash('sha256').update([...note.lost.keys()].sort().join('\n')).digest('hex');
  if (!firstShowing(note, digest)) return;
  const n = note.lost.size;
  note.log.info(`note: ${note.targetLabel} cannot hold ${n} ${n === 1 ? 'field' : 'fields'} that records of ${note.sourceLabel} have (records with a value in brackets; shown once for this pair):`);
  for (const line of lostFieldsBlock(note.lost, note.width)) note.log.info(line);
}

function firstShowing(note: LostFieldsNote, digest: string): boolean {
  if (!note.create && !existsSync(join(note.stateDir, 'state.db'))) return true;
  let history: RunHistory | undefined;
  try {
    history = RunHistory.open(note.stateDir);
    return history.firstShowing(note.sourceId, note.targetId, digest);
  } catch {
    // A state directory that cannot be written is no reason to hide the note.
    return true;
  } finally {
    history?.close();
  }
}
