/**
 * Runs `fn` over `items` with at most `limit` calls in flight and resolves
 * with the results in the order of `items` (not of completion), so a dialect
 * can fetch per-record details concurrently and still yield a page in order.
 * The first rejection rejects the whole call; calls already started finish
 * but their results are dropped.
 */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await fn(items[index], index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}

/** Groups an async stream into arrays of at most `size` items, so a writer holds one batch at a time. */
export async function* inBatches<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * For writers: runs `fn` over an async iterable with at most `limit` calls in flight and
 * yields the results as they finish (not in input order). A slot is refilled
 * as soon as its call settles, before the result reaches the consumer, so
 * the consumer's work on a result never holds a request back. Input is pulled
 * only while a slot is free and fewer than `limit` results wait for the
 * consumer, so memory stays flat. If a call (or the input) throws, no new
 * input is started, the calls in flight are waited for and their results
 * yielded, and then the first error is rethrown.
 */
export async function* mapUnordered<T, R>(items: AsyncIterable<T>, limit: number, fn: (item: T) => Promise<R>): AsyncGenerator<R> {
  const max = Math.max(1, limit);
  const iterator = items[Symbol.asyncIterator]();
  const ready: R[] = [];
  let running = 0;
  let exhausted = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let pulling: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const settle = (outcome: { value: R } | { error: unknown }) => {
    running -= 1;
    if ('error' in outcome) failure ??= { error: outcome.error };
    else ready.push(outcome.value);
    fill();
    notify();
  };
  /** One pull at a time; `fn` starts as soon as its item is there. */
  const fill = (): void => {
    if (pulling || exhausted || failure || stopped || running >= max || ready.length >= max) return;
    pulling = (async () => {
      // Settles after `pulling` is set: the first pull is awaited before the loop can end.
      await undefined;
      try {
        while (!exhausted && !failure && !stopped && running < max && ready.length < max) {
          const step = await iterator.next();
          if (step.done) {
            exhausted = true;
            break;
          }
          running += 1;
          let call: Promise<R>;
          try {
            call = fn(step.value);
          } catch (error) {
            // A function that throws before it returns its promise counts as a call that failed.
            call = Promise.reject(error);
          }
          call.then(
            (value) => settle({ value }),
            (error: unknown) => settle({ error }),
          );
        }
      } catch (error) {
        exhausted = true;
        failure ??= { error };
      } finally {
        pulling = undefined;
        notify();
      }
    })();
  };

  try {
    fill();
    for (;;) {
      if (ready.length > 0) {
        const value = ready.shift() as R;
        fill();
        yield value;
        continue;
      }
      if (running === 0 && !pulling && (exhausted || failure)) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stopped = true;
    await pulling;
    if (!exhausted) await iterator.return?.();
  }
  if (failure) throw failure.error;
}

/** Items a read-ahead producer handles between turns of the event loop. */
const giveWayEvery = 8;

/**
 * Reads ahead of the consumer: pulls `items` in the background into a queue
 * of at most `size`, so a slow producer (a source's pages) and a slow
 * consumer (a target's writes) overlap while memory stays bounded. Items come
 * out in the order they went in; an error of the producer is rethrown to the
 * consumer after the items read before it. Stopping early (break, throw)
 * stops the producer.
 */
export async function* prefetch<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T> {
  const iterator = items[Symbol.asyncIterator]();
  const queue: T[] = [];
  let head = 0;
  let finished = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const wake = (which: 'consumer' | 'producer') => {
    const fn = which === 'consumer' ? wakeConsumer : wakeProducer;
    if (which === 'consumer') wakeConsumer = undefined;
    else wakeProducer = undefined;
    fn?.();
  };
  let produced = 0;
  const pump = (async () => {
    try {
      while (!stopped) {
        if (queue.length - head >= size) {
          await new Promise<void>((resolve) => (wakeProducer = resolve));
          continue;
        }
        const step = await iterator.next();
        if (step.done) break;
        queue.push(step.value);
        wake('consumer');
        // Items that are ready come through promise jobs alone, which run before any I/O: every few
        // items the producer gives way, so that answers to the consumer's requests are not held up
        // while it works through a page.
        if (++produced % giveWayEvery === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      failure = { error };
    } finally {
      finished = true;
      wake('consumer');
    }
  })();
  try {
    for (;;) {
      if (head < queue.length) {
        const item = queue[head];
        head += 1;
        // Compact now and then rather than shift() each item.
        if (head >= 1024 && head * 2 >= queue.length) {
          queue.splice(0, head);
          head = 0;
        }
        wake('producer');
        yield item;
        continue;
      }
      if (finished) break;
      await new Promise<void>((resolve) => (wakeConsumer = resolve));
    }
    if (failure) throw failure.error;
  } finally {
    stopped = true;
    wake('producer');
    await pump;
    // Closes a producer stopped early; a finished one ignores it.
    await iterator.return?.();
  }
}

/** Items of a stream in arrays: as many as are ready at once (up to `size`), so nothing waits for a batch to fill. */
export async function* readyBatches<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  const iterator = items[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | undefined;
  const idle = Symbol('idle');
  try {
    for (;;) {
      const first = await (pending ?? iterator.next());
      pending = undefined;
      if (first.done) return;
      const batch = [first.value];
      while (batch.length < size) {
        const next = iterator.next();
        // Take what comes without waiting for the event loop: what is ready now joins this batch.
        const step = await Promise.race([next, new Promise<typeof idle>((resolve) => setImmediate(() => resolve(idle)))]);
        if (step === idle) {
          pending = next;
          break;
        }
        if (step.done) {
          yield batch;
          return;
        }
        batch.push(step.value);
      }
      yield batch;
    }
  } finally {
    if (pending) await pending.catch(() => undefined);
    await iterator.return?.();
  }
}

/** A promise and the function that resolves it: a signal for whoever waits on it. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
