import type { Dialect, DialectContext } from './dialect.js';
import { UserError } from './errors.js';
import type { DiffKey, DiffSink, DiffSummary } from './diff.js';
import type { Logger } from '../ui/logger.js';

/** `diff --since-last`: placeholder until the state store lands. */
export async function diffSinceLast(_options: { source: { dialect: Dialect; ctx: DialectContext; label: string }; stateDir: string; key: DiffKey; sink: DiffSink; log: Logger }): Promise<DiffSummary> {
  throw new UserError('diff --since-last needs the state store, which is not in this build yet');
}
