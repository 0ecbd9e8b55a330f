import type { WriteResult } from '../dialect.js';
import { redactUrl, UserError } from '../errors.js';
import { markReadStart, migrationBookmarkName, planRead, saveBookmark, type ReadFlags, type ReadPlan } from '../incremental.js';
import type { Bookmark, BookmarkStore } from '../state/bookmarks.js';
import { maskPayload } from '../mask.js';
import { takeLock, type RunLock } from '../state/lock.js';
import type { StateBackend } from '../state/backend.js';
import { bookmarksOf, isStateUrl, openState } from '../state/open.js';
import type { Mapping } from '../mapping-file/index.js';
import { openRejects, type RejectsSink } from '../../io/rejects.js';
import { checkOutputPath } from '../../io/atomic-file.js';
import type { Logger } from '../../ui/logger.js';
import { migrate, type MigrateEndpoint, type MigrateOptions, type MigrateResult } from './pipeline.js';
import { writeReport } from './report.js';
import { checkWorkers, joinWorkers } from './workers.js';

export { migrate, type MigrateEndpoint, type MigrateOptions, type MigrateResult, type MigrateProgress } from './pipeline.js';
export { writeReport } from './report.js';
export { contentHash, lostFields } from './hash.js';

/** How the state store names an endpoint: its label, plus the API address of a remote system (no credentials). */
export function stateIdOf(endpoint: { label: string; dialect: { kind: 'file' | 'remote' }; ctx: { profile: { baseUrl?: string } } }): string {
  const base = endpoint.dialect.kind === 'remote' ? endpoint.ctx.profile.baseUrl : undefined;
  return base ? `${endpoint.label} ${redactUrl(base)}` : endpoint.label;
}

export interface RunMigrateOptions extends Omit<MigrateOptions, 'state' | 'onProblem' | 'onPreview' | 'source' | 'target'> {
  source: Omit<MigrateEndpoint, 'stateId'>;
  target: Omit<MigrateEndpoint, 'stateId'>;
  /** `--state`: a directory, or a database URL. */
  stateDir: string;
  /** `--incremental`, `--full`, `--lookback`, `--where`, `--since`, `--limit` (checked with `checkReadFlags`); default: read everything. */
  read?: ReadFlags;
  mapping?: Mapping;
  rejectsPath?: string;
  rejectsFormat?: 'csv' | 'jsonl';
  rawCsv?: boolean;
  reportPath?: string;
  /** Replace a rejects or report file that exists (`--force`). */
  force?: boolean;
  log: Logger;
  /**
   * The arguments as typed (`process.argv.slice(2)`): kept with the run, so
   * that `custsync runs` can give the exact command that resumes it.
   */
  commandLine?: string[];
  /** `--workers`: one worker of a migration shared through a PostgreSQL state (`./workers.ts`). */
  workers?: boolean;
}

/**
 * The whole `migrate` command behind the CLI: opens the state store and the
 * output files (a mistake there is exit 2 before anything is sent), runs the
 * pipeline, writes the rejects file and the report. The caller prints the
 * summary and, when `result.error` is set, raises it after the summary.
 */
export async function runMigrate(options: RunMigrateOptions): Promise<MigrateResult & { rejectsWritten: number; readPlan: ReadPlan; bookmark?: Bookmark }> {
  if (options.read?.incremental && options.target.dialect.kind === 'file') {
    throw new UserError(
      `migrate --incremental needs a platform as --to: ${options.target.label} is a file, written whole every run`,
      'for a file of what changed, use pull --incremental --bookmark NAME',
    );
  }
  if (options.workers) checkWorkers({ stateDir: options.stateDir, source: options.source, target: options.target, dryRun: options.dryRun, read: options.read });
  // A dry run reads the state (to say `unchanged`) but never creates or changes it.
  const state: StateBackend | undefined = options.dryRun ? await openExisting(options.stateDir) : await openState(options.stateDir);
  // Bookmarks of --incremental: a dry run reads them, never stores one.
  let bookmarks: BookmarkStore | undefined;
  let rejects: RejectsSink | undefined;
  let lock: RunLock | undefined;
  try {
    const source = { ...options.source, stateId: stateIdOf(options.source) };
    const target = { ...options.target, stateId: stateIdOf(options.target) };
    let recorded = false;
    let started: Promise<void> | undefined;
    // One run of a pair at a time (SPEC section 5); a dry run writes no state, so it needs no lock.
    // Workers of one migration hold the pair's lock together, and exclude a plain run as it excludes them.
    if (!options.dryRun && state) {
      lock = await takeLock(state, `migrate ${source.stateId} → ${target.stateId}`, options.workers ? 'migrate --workers' : 'migrate', options.log, { shared: options.workers });
    }
    // Files that could not be written are exit 2 before anything is read or sent.
    if (options.reportPath) await checkOutputPath(options.reportPath, { what: 'report file', force: options.force });
    if (options.rejectsPath && !options.dryRun) rejects = await openRejects(options.rejectsPath, options.rejectsFormat ?? 'csv', options.rawCsv, options.force);
    bookmarks = bookmarksOf(state);
    const plan = await planRead({
      flags: options.read ?? { where: [] },
      bookmarks,
      name: migrationBookmarkName(source.stateId, target.stateId),
      scope: source.stateId,
      source,
      command: 'migrate',
      log: options.log,
    });
    // A file target is written whole every run: a bookmark would say nothing about it.
    if (target.dialect.kind === 'file' || options.workers) plan.bookmark = undefined;
    const worker = options.workers && state ? await joinWorkers({ state, pair: { source: source.stateId, target: target.stateId }, source, query: plan.query, log: options.log }) : undefined;
    const readStart = markReadStart(source);
    const result = await migrate({
      ...options,
      query: plan.query,
      source,
      target,
      state,
      worker,
      onProgress: (progress, event) => {
        if (!recorded && !options.dryRun && state && progress.runId !== undefined && options.commandLine) {
          recorded = true;
          started = state.recordStart(progress.runId, options.commandLine, process.cwd());
          // Awaited after the run; until then a failure must not be an unhandled rejection.
          started.catch(() => undefined);
        }
        options.onProgress?.(progress, event);
      },
      onPreview: (record, payload) => options.log.summary(`would send ${record.key}: ${JSON.stringify(maskPayload(payload))}`),
      onProblem: async (problem: WriteResult) => {
        if (rejects) await rejects.add(problem);
        else options.log.warn(`${options.dryRun ? 'would reject' : problem.status} ${problem.key}: ${problem.reason ?? ''}`);
      },
    });
    // The bookmark moves only when every write of the run was confirmed (SPEC section 5).
    let bookmark: Bookmark | undefined;
    if (!options.dryRun && result.status === 'finished' && !result.error && plan.bookmark) {
      if (result.counts.failed === 0) bookmark = await saveBookmark(plan, bookmarks, readStart, source, options.log, 'migrate');
      else options.log.info(`migrate: the bookmark stays where it was: ${result.counts.failed} ${result.counts.failed === 1 ? 'record' : 'records'} failed, and the next run reads ${result.counts.failed === 1 ? 'it' : 'them'} again`);
    }
    await started;
    if (!options.dryRun && state && result.run) {
      const stopped = result.error ? (options.signal?.aborted ? 'interrupted' : 'failed') : undefined;
      await state.recordStop(result.run.id, stopped, result.error ? String((result.error as Error).message ?? result.error) : undefined);
      await state.recordOutcomes(result.run.id, result.outcomes.read());
    }
    const rejectsWritten = rejects?.count ?? 0;
    await rejects?.close();
    rejects = undefined;
    try {
      if (options.reportPath) await writeReport(options.reportPath, result, options.force);
    } finally {
      await result.outcomes.dispose();
    }
    return { ...result, rejectsWritten, readPlan: plan, bookmark };
  } finally {
    await bookmarks?.close();
    await rejects?.close();
    await lock?.release();
    await state?.close();
  }
}

/** A dry run without a readable state directory runs as if there were none (a database URL that cannot be used is an error). */
async function openExisting(spec: string): Promise<StateBackend | undefined> {
  try {
    return await openState(spec, { access: 'read' });
  } catch (error) {
    if (isStateUrl(spec)) throw error;
    return undefined;
  }
}
