import { deferred } from '../concurrent.js';
import { GateClosed, Semaphore, type Gate } from './gate.js';

/**
 * The read engine: a source split into partitions (windows of the customer
 * base that stay the same whatever changes elsewhere, e.g. an id range),
 * read concurrently and handed on in the source's order.
 *
 * - Up to `concurrency` requests are in flight at once (one {@link Gate} for
 *   the planner and every partition).
 * - Output order is deterministic: partition after partition, page after
 *   page, as the source orders them; later partitions are read ahead while
 *   an earlier one is handed on.
 * - Memory is bounded: at most `lookahead` partitions are started beyond the
 *   one being handed on, and the head partition stops fetching while the
 *   consumer is behind.
 * - Stopping early (`--limit`, `head`, an error) closes the gate: nothing
 *   waiting is sent, and the engine fetches no further.
 *
 * A dialect plugs in with a {@link ReadPlan}: how to cut its base into
 * partitions and how to read one. The engine knows nothing of HTTP, so an
 * incremental read (a change filter such as `updated_at_min` as the window)
 * or several workers claiming partitions can reuse it.
 */
export interface Partition<P> {
  /** For `--verbose` logs, e.g. `ids 1001..1250`. */
  readonly label: string;
  /**
   * The partition's pages in source order. Called once; every request it
   * makes goes through `gate`. It must end (return) once the partition is
   * read, and may make no request after its iterator was returned.
   */
  pages(gate: Gate): AsyncIterable<P>;
}

export interface ReadPlan<P> {
  /**
   * The partitions in source order. Pulled lazily, one at a time, as places
   * free up; it may make requests through `gate` (a count, probes for
   * window bounds) and may wait for the first partition's progress.
   */
  partitions(gate: Gate): AsyncIterable<Partition<P>>;
}

export interface EngineOptions {
  /** Requests in flight at once (`--concurrency`). */
  concurrency: number;
  /** Partitions started beyond the one being handed on (default: 2 × concurrency). */
  lookahead?: number;
  /** Pages the head partition may hold before it waits for the consumer (default 2). */
  headPages?: number;
  /** One line per partition started, for `--verbose`. */
  log?: (line: string) => void;
}

interface Slot<P> {
  label: string;
  pages: P[];
  done: boolean;
}

/** Reads a plan; yields its pages in source order (see the module comment). */
export async function* readPartitions<P>(plan: ReadPlan<P>, options: EngineOptions): AsyncGenerator<P> {
  const concurrency = Math.max(1, options.concurrency);
  const lookahead = Math.max(1, options.lookahead ?? concurrency * 2);
  const headPages = Math.max(1, options.headPages ?? 2);
  const gate = new Semaphore(concurrency);
  const planned = plan.partitions(gate)[Symbol.asyncIterator]();
  const slots: Array<Slot<P> | undefined> = [];
  const iterators = new Set<AsyncIterator<P>>();
  let head = 0;
  let pumping = 0;
  let pulling = false;
  let planDone = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;

  // One signal for every waiter: whatever changed, everyone looks again.
  let signal = deferred();
  const wake = () => {
    signal.resolve();
    signal = deferred();
  };
  const fail = (error: unknown) => {
    if (!stopped && !(error instanceof GateClosed)) failure ??= { error };
    wake();
  };

  const pump = async (slot: Slot<P>, index: number, partition: Partition<P>): Promise<void> => {
    const iterator = partition.pages(gate)[Symbol.asyncIterator]();
    iterators.add(iterator);
    try {
      while (!stopped && !failure) {
        const step = await iterator.next();
        if (step.done) break;
        slot.pages.push(step.value);
        wake();
        // Only the head waits for the consumer: the others are bounded by their size and the lookahead.
        while (!stopped && !failure && index === head && slot.pages.length >= headPages) await signal.promise;
      }
    } catch (error) {
      fail(error);
    } finally {
      iterators.delete(iterator);
      slot.done = true;
      pumping -= 1;
      wake();
      startMore();
    }
  };

  const startMore = (): void => {
    if (pulling || planDone || stopped || failure) return;
    if (pumping >= concurrency || slots.length - head >= lookahead) return;
    pulling = true;
    planned.next().then(
      (step) => {
        pulling = false;
        if (step.done) planDone = true;
        else if (!stopped) {
          const slot: Slot<P> = { label: step.value.label, pages: [], done: false };
          const index = slots.length;
          slots.push(slot);
          pumping += 1;
          options.log?.(`read: partition ${index + 1} ${step.value.label}`);
          void pump(slot, index, step.value);
        }
        wake();
        startMore();
      },
      (error: unknown) => {
        pulling = false;
        planDone = true;
        fail(error);
      },
    );
  };

  try {
    startMore();
    for (;;) {
      if (failure) throw failure.error;
      const slot = slots[head];
      if (slot && slot.pages.length > 0) {
        const page = slot.pages.shift()!;
        wake();
        yield page;
        continue;
      }
      if (slot?.done) {
        slots[head] = undefined;
        head += 1;
        wake();
        startMore();
        continue;
      }
      if (!slot && planDone && !pulling) return;
      await signal.promise;
    }
  } finally {
    stopped = true;
    gate.close();
    wake();
    // Nothing more is fetched; what is in flight finishes on its own and is dropped.
    for (const iterator of iterators) void iterator.return?.()?.catch(() => undefined);
    if (!planDone) void planned.return?.()?.catch(() => undefined);
  }
}

/** The items of a page stream, one by one. */
export async function* flatten<T>(pages: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const page of pages) yield* page;
}
