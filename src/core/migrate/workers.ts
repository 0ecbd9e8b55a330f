import { hostname } from 'node:os';
import type { Dialect, DialectContext } from '../dialect.js';
import { BugError, UserError } from '../errors.js';
import type { ReadFlags } from '../incremental.js';
import type { ReadQuery } from '../query.js';
import { ReadPartSchema } from '../read/parts.js';
import { stableStringify } from '../stable-json.js';
import type { Pair, StateBackend } from '../state/backend.js';
import { isStateUrl } from '../state/state-spec.js';
import type { Logger } from '../../ui/logger.js';
import type { MigrateOptions, WorkPart } from './pipeline.js';

/**
 * `migrate --workers`: one migration shared by several processes or hosts
 * through one PostgreSQL state (docs/state.md, "Several workers"). The
 * first worker cuts the source into parts (`Dialect.split`), every worker
 * claims parts until none is left (`StateBackend.work`), and each writes
 * what it reads as a run of its own.
 */

/** Exit 2 for what `--workers` cannot do, before anything is read or sent. */
export function checkWorkers(options: {
  stateDir: string;
  source: { label: string; dialect: Pick<Dialect, 'id' | 'kind' | 'split'> };
  target?: { label: string; dialect: Pick<Dialect, 'kind'> };
  dryRun?: boolean;
  read?: ReadFlags;
}): void {
  const { source, target, read } = options;
  if (!isStateUrl(options.stateDir)) {
    throw new UserError(
      `migrate --workers needs a state every worker shares: --state postgres://… (or $CUSTSYNC_STATE); the state here is ${options.stateDir}, an SQLite file of this machine`,
      'give every worker the same --state postgres://USER@HOST:PORT/DB (docs/state.md)',
    );
  }
  const refused = [options.dryRun && '--dry-run', read?.incremental && '--incremental', read?.full && '--full', read?.limit !== undefined && '--limit'].filter(Boolean);
  if (refused.length > 0) {
    throw new UserError(
      `--workers cannot be used with ${refused.join(' or ')}: workers share one plan of the whole source`,
      'run the migration with --workers alone (--where and --since may narrow it), or run it as one process without --workers',
    );
  }
  if (target?.dialect.kind === 'file') {
    throw new UserError(`migrate --workers: ${target.label} is a file: one process writes it whole, so workers cannot share it`, 'migrate into a platform with --workers, or run migrate without --workers');
  }
  if (!source.dialect.split) {
    throw new UserError(
      source.dialect.kind === 'file'
        ? `migrate --workers: ${source.label} is a file: it is read whole by one process and cannot be split between workers`
        : `migrate --workers: ${source.label} (${source.dialect.id}) pages by position only: its customers cannot be cut into parts that stay the same while other workers read them`,
      'run migrate without --workers (one process, with --concurrency)',
    );
  }
}

/**
 * Joins (or plans) the migration of `pair` in the shared state: what the
 * pipeline needs to run as one of its workers.
 */
export async function joinWorkers(options: {
  state: StateBackend;
  pair: Pair;
  source: { label: string; dialect: Dialect; ctx: DialectContext };
  query: ReadQuery;
  log: Logger;
}): Promise<NonNullable<MigrateOptions['worker']>> {
  const { state, source, query, log } = options;
  const split = source.dialect.split;
  const work = state.work;
  if (!split || !work) throw new BugError('migrate --workers: checkWorkers lets only a split source and a shared state through');
  const name = `pid ${process.pid} on ${hostname()}`;
  const plan = await work.join({
    pair: options.pair,
    query: stableStringify(query),
    worker: name,
    plan: async () => (await split.plan(source.ctx, query)).map((part) => ({ descriptor: JSON.stringify(part), label: part.label })),
  });
  log.info(
    plan.planned
      ? `migrate: worker ${name} planned ${plan.parts} ${plan.parts === 1 ? 'part' : 'parts'} of ${source.label} (plan #${plan.id}); more workers join with the same command and --state`
      : `migrate: worker ${name} joined plan #${plan.id} of ${source.label} (${plan.left} of ${plan.parts} parts left)`,
  );
  return {
    // Negative: the scope of a plan's email claims never meets a run's id.
    emailScope: -plan.id,
    async *parts(runId: number): AsyncGenerator<WorkPart> {
      let mine = 0;
      for await (const claim of work.claims(plan.id, { runId, name })) {
        const parsed = ReadPartSchema.safeParse(JSON.parse(claim.descriptor));
        if (!parsed.success) throw new BugError(`plan #${plan.id} holds a part custsync cannot read: ${claim.descriptor}`);
        mine += 1;
        yield { label: claim.label, records: split.read(source.ctx, query, parsed.data), done: claim.done };
      }
      log.info(`migrate: every part of plan #${plan.id} is done (${mine} read by this worker); "custsync runs" lists one run per worker`);
    },
  };
}
