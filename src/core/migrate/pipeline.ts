import { emailKey, type Customer } from '../customer.js';
import { BugError } from '../errors.js';
import type { Dialect, DialectContext, WriteResult, WriteStatus } from '../dialect.js';
import { invalidInput } from '../invalid-input.js';
import type { Mapping } from '../mapping-file/index.js';
import type { ReadQuery } from '../query.js';
import { MappingError } from '../mapping-file/index.js';
import { planRecords } from '../push.js';
import { EmailClaims } from '../duplicates.js';
import type { Confirmation, KeyState, RunRow, StateBackend } from '../state/backend.js';
import { prefetch, readyBatches } from '../concurrent.js';
import { countResult, emptyCounts, settleCounts, type RunCounts } from '../summary.js';
import type { Logger } from '../../ui/logger.js';
import { contentHash, lostFields } from './hash.js';
import { OutcomeLog, type RecordOutcome } from './outcomes.js';

/**
 * `custsync migrate`: source → canonical → mapping → target, streaming, with
 * its progress in the state store (SPEC sections 1, 4, 5).
 *
 * For every record read: map it (a pure function), hash what would be sent,
 * and decide:
 * - in the crosswalk with the same hash: `unchanged`, nothing sent;
 * - marked in flight by a run that stopped: looked up on the target first
 *   (`dialect.find`), and when found recorded as done, never created twice;
 * - otherwise marked in flight (committed) and handed to the target's
 *   `write`, which batches on its own.
 * A record is marked done only when the target's result confirms it, in the
 * same transaction as the run's checkpoint (batched every N results or
 * every few hundred ms).
 */
export interface MigrateEndpoint {
  dialect: Dialect;
  ctx: DialectContext;
  /** As typed, for messages. */
  label: string;
  /** How the state store names it: the label, plus the API address for remote systems (so a profile pointed elsewhere starts afresh). */
  stateId: string;
}

export interface MigrateProgress {
  /** The run in the state store (not for dry runs), known from the `start` event on. */
  runId?: number;
  /** Records the source will yield, when it said so cheaply. */
  total?: number;
  read: number;
  /** Handed to the target. */
  sent: number;
  counts: RunCounts;
  readDone: boolean;
  writeDone: boolean;
}

export type ProgressEvent = 'start' | 'tick' | 'read-done' | 'write-done';

export interface MigrateOptions {
  source: MigrateEndpoint;
  target: MigrateEndpoint;
  /** Required for a real run; a dry run only reads it (to report `unchanged`). */
  state?: StateBackend;
  mapping?: Mapping;
  /** What to read from the source (`--where`, `--since`, `--limit`, `--incremental`); default everything. */
  query?: ReadQuery;
  dryRun?: boolean;
  resume?: boolean;
  /** Dry runs: how many payloads to show. */
  previews?: number;
  onPreview?: (record: Customer, payload: unknown) => void;
  /** Rejected and failed records (the rejects file). */
  onProblem?: (result: WriteResult) => Promise<void>;
  onProgress?: (progress: Readonly<MigrateProgress>, event: ProgressEvent) => void;
  log: Logger;
  /** Stops the run as a failure would (graceful: confirmed results are committed). */
  signal?: AbortSignal;
  /** Commit confirmations every this many results or this many ms, whichever comes first. */
  commitEvery?: { results: number; ms: number };
  /**
   * `migrate --workers`: this run is one worker of a shared migration. It
   * starts a run of its own (never resumes or abandons another: its
   * siblings' runs are live), claims emails in the plan's scope, and reads
   * the parts it claims instead of the whole source, each written and
   * committed before `done` is called and the next one claimed.
   */
  worker?: {
    /** Where the workers of one plan claim emails, so that two source records sharing one are caught across workers. */
    emailScope: number;
    parts(runId: number): AsyncIterable<WorkPart>;
  };
}

/** A part of the read claimed by this worker (`MigrateOptions.worker`). */
export interface WorkPart {
  label: string;
  records: AsyncIterable<Customer>;
  /** Called once every record of the part is confirmed and committed (or settled without a write). */
  done(): Promise<void>;
}

export interface MigrateResult {
  source: string;
  target: string;
  run?: RunRow;
  resumed: boolean;
  dryRun: boolean;
  status: 'finished' | 'unfinished' | 'dry-run';
  counts: RunCounts;
  /** Set when the run stopped early (remote failure, abort); the counts still add up. */
  error?: unknown;
  startedAt: string;
  finishedAt: string;
  durations: { totalMs: number; readMs?: number };
  /** HTTP exchanges made by each side, when known. */
  requests: { source?: number; target?: number };
  /** Field path → how many records had a value there that the target cannot hold. */
  lostFields: Map<string, number>;
  /** Records with a password hash (customers who must set a password on the target). */
  passwordResets: number;
  outcomes: OutcomeLog;
}

interface Mapped {
  original: Customer;
  record: Customer;
  /** Content hash of what the target would hold (its projection of the record). */
  hash: string;
}

interface InFlight extends Mapped {
  /** The target id the crosswalk has for it, if any. */
  knownId?: string;
  /** In flight when a run stopped, and sent again: the target's upsert matches it if it landed. */
  matched?: boolean;
  /**
   * Marked in flight by this same run before it was stopped (a resumed run)
   * and unknown to the crosswalk: this run created it, if it landed, so an
   * `updated` from the upsert that matches it now is reported `created`.
   */
  ownPending?: boolean;
}

const defaultCommit = { results: 200, ms: 250 };
/** Records prepared (claimed, looked up, marked in flight) together: one state call each per chunk. */
const chunkSize = 100;
/** Records read ahead of the writes: bounds memory whatever the source's speed. */
const readAhead = 1000;

class Aborted extends Error {}

export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const { source, target, state, log } = options;
  const outcomes = await OutcomeLog.open();
  const counts = emptyCounts();
  const progress: MigrateProgress = { read: 0, sent: 0, counts, readDone: false, writeDone: false };
  const lost = new Map<string, number>();
  let passwordResets = 0;
  let readMs: number | undefined;
  const emit = (event: ProgressEvent) => options.onProgress?.(progress, event);

  // Only a remote target keeps what it was sent: a file target is written whole every run.
  const incremental = target.dialect.kind === 'remote' && state !== undefined;

  let run: RunRow | undefined;
  let resumed = false;
  if (!options.dryRun) {
    if (!state) throw new BugError('migrate: a state store is required for a real run');
    const unfinished = options.worker ? undefined : await state.lastUnfinishedRun(source.stateId, target.stateId);
    if (options.worker) {
      run = await state.startRun(source.stateId, target.stateId);
    } else if (options.resume && unfinished) {
      run = await state.resumeRun(unfinished.id);
      resumed = true;
      const checkpoint = await state.lastCheckpoint(run.id);
      log.info(`migrate: resuming run #${run.id} (${checkpoint?.confirmed ?? 0} records confirmed before it stopped)`);
    } else {
      if (options.resume) log.info(`migrate: no unfinished run of ${source.label} → ${target.label} to resume; starting a new run`);
      else if (unfinished) {
        log.info(`migrate: run #${unfinished.id} of ${source.label} → ${target.label} did not finish; starting a new one (what it confirmed is not sent again)`);
        await state.abandonRun(unfinished.id);
      }
      run = await state.startRun(source.stateId, target.stateId);
    }
    progress.runId = run.id;
  }

  const query: ReadQuery = options.query ?? { where: [] };
  // The count is of every customer: no total for a narrowed read (and no request spent on it).
  const narrowed = query.since !== undefined || query.where.length > 0;
  try {
    // A worker reads its share, which no count tells.
    progress.total = source.dialect.count && !narrowed && !options.worker ? await source.dialect.count(source.ctx).then((n) => (n === undefined || query.limit === undefined ? n : Math.min(n, query.limit))).catch(() => undefined) : undefined;
  } catch {
    progress.total = undefined;
  }
  emit('start');

  /**
   * Source records, mapped, with the hash of what the target would hold;
   * mapping failures become rejections here. The target's projection is
   * computed once per record, for the lost fields and the hash.
   */
  async function* mapped(input: AsyncIterable<Customer>, last = true): AsyncGenerator<Mapped> {
    for await (const original of input) {
      if (query.limit !== undefined && counts.read >= query.limit) break;
      counts.read += 1;
      progress.read = counts.read;
      let record: Customer;
      try {
        // A line of an input file whose cells do not validate is rejected as a mapping failure is.
        const invalid = invalidInput(original);
        if (invalid) throw new MappingError(invalid.reason);
        record = options.mapping ? options.mapping(original) : original;
      } catch (error) {
        if (!(error instanceof MappingError)) throw error;
        countResult(counts, 'rejected');
        await options.onProblem?.({ status: 'rejected', key: original.key, reason: error.message, record: original });
        await outcomes.add({ key: original.key, status: 'rejected', email: original.email, reason: error.message });
        emit('tick');
        continue;
      }
      let stored: Customer | undefined;
      if (target.dialect.project) {
        try {
          stored = target.dialect.project(record, target.ctx);
        } catch {
          // Hash the record itself.
          stored = undefined;
        }
        if (stored) for (const path of lostFields(record, stored)) lost.set(path, (lost.get(path) ?? 0) + 1);
      }
      yield { original, record, hash: contentHash(stored ?? record) };
      emit('tick');
    }
    if (last) readDone();
  }

  function readDone(): void {
    readMs = Date.now() - started;
    progress.readDone = true;
    emit('read-done');
  }

  const outcomeOf = (original: Customer, record: Customer, status: WriteStatus, extra: Partial<RecordOutcome> = {}): RecordOutcome => {
    const needsPassword = original.passwordHash !== undefined && original.passwordHash !== '';
    if (needsPassword && (status === 'created' || status === 'updated' || status === 'unchanged')) passwordResets += 1;
    return {
      key: original.key,
      status,
      ...(record.key !== original.key ? { targetKey: record.key } : {}),
      email: record.email,
      ...(needsPassword ? { needsPassword } : {}),
      ...extra,
    };
  };

  let error: unknown;
  try {
    if (options.dryRun) {
      await dryRun();
    } else if (options.worker) {
      // Part by part: a part is done only once its last record is committed, and the write drains
      // between parts, so a target that sends in batches never holds a part's records back.
      for await (const part of options.worker.parts(run!.id)) {
        log.verbose(`migrate: part ${part.label}`);
        await realRun(run!, part.records, false);
        await part.done();
      }
      readDone();
    } else {
      await realRun(run!, source.dialect.read(source.ctx, query));
    }
  } catch (caught) {
    error = caught instanceof Aborted ? new Error('the run was stopped') : caught;
  }
  settleCounts(counts);
  progress.writeDone = true;
  emit('write-done');
  await outcomes.flush();
  const status = options.dryRun ? 'dry-run' : error ? 'unfinished' : 'finished';
  if (run && state) {
    await state.finishRun(run.id, error ? 'unfinished' : 'finished', counts);
    run = await state.getRun(run.id);
  }
  const finished = Date.now();
  return {
    source: source.label,
    target: target.label,
    run,
    resumed,
    dryRun: options.dryRun === true,
    status,
    counts,
    error,
    startedAt,
    finishedAt: new Date(finished).toISOString(),
    durations: { totalMs: finished - started, readMs },
    requests: { source: requestsOf(source), target: requestsOf(target) },
    lostFields: lost,
    passwordResets,
    outcomes,
  };

  async function dryRun(): Promise<void> {
    const pairs = new Map<Customer, Mapped>();
    // The real run refuses a second source record with an email already in the run: so does the dry run.
    const claims = new EmailClaims();
    async function* records(): AsyncGenerator<Customer> {
      for await (const item of mapped(source.dialect.read(source.ctx, query))) {
        pairs.set(item.record, item);
        yield item.record;
      }
    }
    const plan = await planRecords({
      records: records(),
      target,
      mode: 'upsert',
      previews: options.previews ?? 3,
      onPreview: options.onPreview,
      classify: async (record) => {
        const { original, hash } = pairs.get(record)!;
        const email = emailKey(record.email);
        const owner = email === undefined ? undefined : claims.claim(email, original.key);
        if (owner !== undefined) return { status: 'rejected', reason: sharedEmailReason(record.email!, owner) };
        if (!incremental) return undefined;
        const { known, pending } = (await state!.lookup({ source: source.stateId, target: target.stateId }, [original.key])).get(original.key) ?? {};
        if (known && known.hash === hash && !pending) {
          return { status: 'unchanged', id: known.targetId };
        }
        return undefined;
      },
      onResult: async (result) => {
        const original = pairs.get(result.record)?.original ?? result.record;
        pairs.delete(result.record);
        countResult(counts, result.status);
        if (result.status === 'rejected') await options.onProblem?.(result);
        await outcomes.add(outcomeOf(original, result.record, result.status, { targetId: result.id, reason: result.reason }));
        emit('tick');
      },
    }).finally(() => claims.close());
    void plan;
  }

  /**
   * The real run, three stages that overlap:
   * - read: the source is read ahead into a bounded buffer (`prefetch`), so
   *   its pages never sit on the write's critical path and memory stays flat;
   * - prepare: records are taken in chunks (as many as are ready, up to
   *   {@link chunkSize}); per chunk one call claims their emails, one looks
   *   them up (crosswalk and in-flight marks), and one marks those to be sent
   *   in flight, durable before any of them is handed to the target;
   * - write: the target's `write` sends batches and records concurrently up
   *   to `--concurrency`; its results are counted as they come and committed
   *   one transaction per batch of results: whenever the target has no
   *   further answer ready and at least `--concurrency` results wait (or the
   *   oldest has waited `commitEvery.ms`), what it confirmed so far is
   *   committed. So a kill leaves in flight only what was sent and not
   *   answered (about concurrency × batch size) and fewer than
   *   `--concurrency` answered records, which is all `--resume` sends again.
   * State calls are made one at a time (a store may hold one connection).
   */
  async function realRun(current: RunRow, input: AsyncIterable<Customer>, last = true): Promise<void> {
    const store = state!;
    const key = { source: source.stateId, target: target.stateId };
    const inflight = new Map<Customer, InFlight>();
    const commit = options.commitEvery ?? defaultCommit;
    let batch: Confirmation[] = [];
    let lastCommit = Date.now();
    let serial: Promise<unknown> = Promise.resolve();
    /** One state call at a time, in the order asked. */
    const one = <T>(call: () => Promise<T>): Promise<T> => {
      const next = serial.then(call);
      serial = next.catch(() => undefined);
      return next;
    };
    const flush = async () => {
      if (batch.length === 0) return;
      const items = batch;
      batch = [];
      lastCommit = Date.now();
      await one(() => store.commitBatch({ id: current.id, ...key }, items, { ...counts }));
    };

    /** Claims, looks up and marks one chunk; yields the records to send. */
    async function* prepare(chunk: Mapped[]): AsyncGenerator<Customer> {
      const claims: Array<{ email: string; sourceKey: string }> = [];
      for (const { original, record } of chunk) {
        const email = emailKey(record.email);
        if (email !== undefined) claims.push({ email, sourceKey: original.key });
      }
      const conflicts = claims.length === 0 ? [] : await one(() => store.claimEmails(options.worker?.emailScope ?? current.id, claims));
      const refused = new Map(conflicts.map((c) => [c.sourceKey, c.owner]));
      const known = incremental ? await one(() => store.lookup(key, chunk.map((item) => item.original.key))) : new Map<string, KeyState>();
      const send: InFlight[] = [];
      for (const item of chunk) {
        const { original, record, hash } = item;
        const owner = refused.get(original.key);
        if (owner !== undefined) {
          const reason = sharedEmailReason(record.email!, owner);
          countResult(counts, 'rejected');
          await options.onProblem?.({ status: 'rejected', key: original.key, reason, record: original });
          await outcomes.add(outcomeOf(original, record, 'rejected', { reason }));
          emit('tick');
          continue;
        }
        const { known: entry, pending } = known.get(original.key) ?? {};
        if (entry && entry.hash === hash && !pending) {
          // Confirmed by this same run before it was stopped: keep its outcome; otherwise it is unchanged.
          const status: WriteStatus = entry.runId === current.id && (entry.status === 'created' || entry.status === 'updated') ? entry.status : 'unchanged';
          countResult(counts, status);
          await outcomes.add(outcomeOf(original, record, status, { targetId: entry.targetId }));
          continue;
        }
        let matched = false;
        if (pending && !entry && target.dialect.upsertMatches) {
          // In flight when a run stopped: the target's upsert finds it if it landed, and a write
          // that stopped half-way (a customer stored, its addresses not) is completed.
          matched = true;
        } else if (pending && !entry && target.dialect.find) {
          // In flight when a run stopped: it may have reached the target. Look before creating it again.
          const id = await target.dialect.find(target.ctx, record);
          if (id !== undefined) {
            const status: WriteStatus = pending.runId === current.id ? 'created' : 'unchanged';
            countResult(counts, status);
            batch.push({ kind: 'done', sourceKey: original.key, targetId: id, hash, status });
            await outcomes.add(outcomeOf(original, record, status, { targetId: id, matched: true }));
            continue;
          }
        }
        send.push({ ...item, knownId: entry?.targetId, ...(matched ? { matched } : {}), ...(matched && pending?.runId === current.id ? { ownPending: true } : {}) });
      }
      // Committed before any of them can leave: if the process dies now, the next run looks them up first.
      if (incremental && send.length > 0) await one(() => store.markPending(key, current.id, send.map((item) => item.original.key)));
      for (const item of send) {
        inflight.set(item.record, item);
        progress.sent += 1;
        yield item.record;
      }
    }

    async function* toSend(): AsyncGenerator<Customer> {
      for await (const chunk of readyBatches(prefetch(mapped(input, last), readAhead), chunkSize)) {
        if (options.signal?.aborted) throw new Aborted();
        yield* prepare(chunk);
      }
    }

    const lookup = (result: WriteResult): InFlight | undefined => {
      const direct = inflight.get(result.record);
      if (direct) {
        inflight.delete(result.record);
        return direct;
      }
      for (const [record, meta] of inflight) {
        if (record.key === result.key) {
          inflight.delete(record);
          return meta;
        }
      }
      return undefined;
    };

    const results = target.dialect.write(target.ctx, toSend(), { mode: 'upsert', knownId: (record) => inflight.get(record)?.knownId })[Symbol.asyncIterator]();
    const idle = Symbol('idle');
    try {
      for (;;) {
        const next = results.next();
        // Whenever the target has no further answer ready, commit what it confirmed so far; fewer
        // results than requests in flight wait for the next ones (at most commit.ms): a target that
        // answers one record at a time would otherwise pay a commit for every record.
        let step = await Promise.race([next, new Promise<typeof idle>((resolve) => setImmediate(() => resolve(idle)))]);
        if (step === idle && batch.length > 0 && batch.length < target.ctx.concurrency) {
          let timer: NodeJS.Timeout | undefined;
          const due = new Promise<typeof idle>((resolve) => (timer = setTimeout(() => resolve(idle), Math.max(0, commit.ms - (Date.now() - lastCommit)))));
          step = await Promise.race([next, due]).finally(() => clearTimeout(timer));
        }
        if (step === idle) {
          await flush();
          step = await next;
        }
        if (step.done) break;
        const result = step.value;
        const meta = lookup(result);
        // A record this run marked in flight before it was stopped was this run's to create: the whole run reports it once, as created.
        const status: WriteStatus = meta?.ownPending && result.status === 'updated' ? 'created' : result.status;
        countResult(counts, status);
        const original = meta?.original ?? result.record;
        if (!meta) log.warn(`the target answered for ${result.key}, which was not sent in this run`);
        if (status === 'rejected' || status === 'failed') {
          await options.onProblem?.(result);
          // A rejected record was refused, so nothing is in flight; a failed one may have reached the target.
          if (status === 'rejected' && meta) batch.push({ kind: 'refused', sourceKey: meta.original.key });
        } else if (meta) {
          // No id in the answer keeps the id the crosswalk has (see commitBatch).
          batch.push({ kind: 'done', sourceKey: meta.original.key, targetId: result.id, hash: meta.hash, status });
        }
        const targetId = result.id ?? (meta && status !== 'rejected' ? meta.knownId : undefined);
        await outcomes.add(outcomeOf(original, result.record, status, { targetId, reason: result.reason, ...(meta?.matched ? { matched: true } : {}) }));
        if (batch.length >= commit.results || Date.now() - lastCommit >= commit.ms) await flush();
        emit('tick');
        if (options.signal?.aborted) throw new Aborted();
      }
    } finally {
      try {
        await results.return?.();
      } finally {
        // Whatever stopped the run, what the target confirmed is committed.
        await flush();
      }
    }
  }
}

function sharedEmailReason(email: string, owner: string): string {
  return `email ${email} is also on source key ${owner}: not sent, so it cannot overwrite that customer on the target`;
}

function requestsOf(endpoint: MigrateEndpoint): number | undefined {
  if (endpoint.dialect.kind !== 'remote') return undefined;
  try {
    return endpoint.ctx.http.requestCount;
  } catch {
    return undefined;
  }
}
