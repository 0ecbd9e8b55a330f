import { mapUnordered } from './concurrent.js';
import type { Customer } from './customer.js';
import { invalidInput } from './invalid-input.js';
import { unchangedCheck } from './unchanged.js';
import type { Dialect, DialectContext, WriteMode, WriteResult } from './dialect.js';
import { countResult, emptyCounts, settleCounts, type RunCounts } from './summary.js';

/**
 * Sends records to a target and counts the outcomes. Rejected and failed
 * records go to `onProblem` (the rejects file). If the target fails as a
 * whole, the error is rethrown after the counts are settled, so the caller can
 * still print a true summary.
 */
export interface PushOptions {
  records: AsyncIterable<Customer>;
  target: { dialect: Dialect; ctx: DialectContext };
  mode: WriteMode;
  onResult?: (result: WriteResult, counts: RunCounts) => void | Promise<void>;
  onProblem?: (result: WriteResult) => Promise<void>;
  /** Refuses a record before it is sent (by its 0-based position), e.g. a duplicate in the input; returns the reason. */
  refuse?: (record: Customer, position: number) => string | undefined;
}

export interface PushOutcome {
  counts: RunCounts;
  /** Set when the run stopped early; the counts still add up. */
  error?: unknown;
}

export async function pushRecords(options: PushOptions): Promise<PushOutcome> {
  const counts = emptyCounts();
  async function* counted(): AsyncGenerator<Customer> {
    for await (const record of options.records) {
      const position = counts.read;
      counts.read += 1;
      // A line of the input whose cells do not validate is rejected here, never sent (SPEC section 6).
      const reason = invalidInput(record)?.reason ?? options.refuse?.(record, position);
      if (reason !== undefined) {
        const result: WriteResult = { status: 'rejected', key: record.key, reason, record };
        countResult(counts, 'rejected');
        await options.onProblem?.(result);
        await options.onResult?.(result, counts);
        continue;
      }
      yield record;
    }
  }
  /** Records the target already holds as they would be written are `unchanged`, not sent (core/unchanged.ts). */
  async function* changed(held: (record: Customer) => Promise<boolean>): AsyncGenerator<Customer> {
    const looked = mapUnordered(counted(), options.target.ctx.concurrency, async (record) => ({ record, same: await held(record) }));
    for await (const { record, same } of looked) {
      if (!same) {
        yield record;
        continue;
      }
      countResult(counts, 'unchanged');
      await options.onResult?.({ status: 'unchanged', key: record.key, record }, counts);
    }
  }
  try {
    const held = options.mode === 'create' ? undefined : await unchangedCheck(options.target);
    for await (const result of options.target.dialect.write(options.target.ctx, held ? changed(held) : counted(), { mode: options.mode })) {
      countResult(counts, result.status);
      if (result.status === 'rejected' || result.status === 'failed') await options.onProblem?.(result);
      await options.onResult?.(result, counts);
    }
  } catch (error) {
    return { counts: settleCounts(counts), error };
  }
  return { counts: settleCounts(counts) };
}

/**
 * A dry run: every record goes through every check the real run makes that
 * sends nothing (its cells, the input's duplicates, the target's local
 * `check`, a lookup on the target, the read-only `refusal`), and is counted
 * as the real run would count it; nothing is sent. So it rejects what the
 * real run would, and exits as it would.
 */
export interface PlanOptions extends Omit<PushOptions, 'onProblem'> {
  onPreview?: (record: Customer, payload: unknown) => void;
  previews: number;
  /**
   * Decides a record without asking the target (e.g. `unchanged` from the
   * migrate crosswalk); undefined falls back to `find`. Records it decides are
   * not previewed.
   */
  classify?: (record: Customer, position: number) => Promise<Pick<WriteResult, 'status' | 'id' | 'reason'> | undefined>;
}

export async function planRecords(options: PlanOptions): Promise<RunCounts> {
  const counts = emptyCounts();
  const { dialect, ctx } = options.target;
  let previewed = 0;
  for await (const record of options.records) {
    counts.read += 1;
    const invalid = invalidInput(record);
    const decided = invalid ? { status: 'rejected' as const, reason: invalid.reason } : await options.classify?.(record, counts.read - 1);
    if (decided) {
      countResult(counts, decided.status);
      await options.onResult?.({ ...decided, key: record.key, record }, counts);
      continue;
    }
    const problem = dialect.check?.(record, ctx);
    if (problem !== undefined) {
      countResult(counts, 'rejected');
      await options.onResult?.({ status: 'rejected', key: record.key, reason: problem, record }, counts);
      continue;
    }
    if (previewed < options.previews) {
      previewed += 1;
      options.onPreview?.(record, dialect.preview ? dialect.preview(record, ctx) : record);
    }
    const existing = dialect.find ? await dialect.find(ctx, record) : undefined;
    let status: WriteResult['status'] = existing ? 'updated' : 'created';
    let reason: string | undefined;
    if (options.mode === 'create' && existing) [status, reason] = ['rejected', `exists on the target as ${existing}`];
    if (options.mode === 'update' && !existing) [status, reason] = ['rejected', 'not found on the target'];
    if (status === 'created' && dialect.refusal) {
      const refused = await dialect.refusal(ctx, record);
      if (refused !== undefined) [status, reason] = ['rejected', refused];
    }
    countResult(counts, status);
    await options.onResult?.({ status, key: record.key, id: existing, reason, record }, counts);
  }
  return counts;
}
