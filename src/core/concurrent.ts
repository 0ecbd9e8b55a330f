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
 * yields the results as they finish (not in input order). Input is pulled
 * only as slots free up, so memory stays flat. If a call throws, no new input
 * is started, the calls in flight are waited for and their results yielded,
 * and then the first error is rethrown.
 */
export async function* mapUnordered<T, R>(items: AsyncIterable<T>, limit: number, fn: (item: T) => Promise<R>): AsyncGenerator<R> {
  type Settled = { id: number; ok: true; value: R } | { id: number; ok: false; error: unknown };
  const iterator = items[Symbol.asyncIterator]();
  const running = new Map<number, Promise<Settled>>();
  let nextId = 0;
  let exhausted = false;
  let failure: { error: unknown } | undefined;

  const fill = async (): Promise<void> => {
    while (!exhausted && !failure && running.size < Math.max(1, limit)) {
      const step = await iterator.next();
      if (step.done) {
        exhausted = true;
        return;
      }
      const id = nextId++;
      running.set(
        id,
        fn(step.value).then(
          (value): Settled => ({ id, ok: true, value }),
          (error: unknown): Settled => ({ id, ok: false, error }),
        ),
      );
    }
  };

  try {
    await fill();
    while (running.size > 0) {
      const settled = await Promise.race(running.values());
      running.delete(settled.id);
      if (settled.ok) yield settled.value;
      else failure ??= { error: settled.error };
      await fill();
    }
  } finally {
    if (!exhausted) await iterator.return?.();
  }
  if (failure) throw failure.error;
}
