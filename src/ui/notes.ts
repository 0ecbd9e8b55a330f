import { createHash } from 'node:crypto';
import { openState } from '../core/state/open.js';
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

export async function showLostFields(note: LostFieldsNote): Promise<void> {
  if (note.lost.size === 0) return;
  const digest = createHash('sha256').update([...note.lost.keys()].sort().join('\n')).digest('hex');
  if (!(await firstShowing(note, digest))) return;
  const n = note.lost.size;
  note.log.info(`note: ${note.targetLabel} cannot hold ${n} ${n === 1 ? 'field' : 'fields'} that records of ${note.sourceLabel} have (records with a value in brackets; shown once for this pair):`);
  for (const line of lostFieldsBlock(note.lost, note.width)) note.log.info(line);
}

async function firstShowing(note: LostFieldsNote, digest: string): Promise<boolean> {
  try {
    const state = await openState(note.stateDir, { access: note.create ? 'write' : 'existing' });
    if (!state) return true;
    try {
      return await state.firstShowing(note.sourceId, note.targetId, digest);
    } finally {
      await state.close();
    }
  } catch {
    // A state that cannot be written is no reason to hide the note.
    return true;
  }
}
