/**
 * Runs `work` over a stream with at most `limit` calls in flight and yields
 * each result as it settles (not in input order). Reads ahead no further than
 * `limit` items, so memory stays flat. If a call throws, the calls already in
 * flight are let finish and then the error is rethrown.
 */
export async function* mapConcurrent<T, R>(items: AsyncIterable<T>, limit: number, work: (item: T) => Promise<R>): AsyncGenerator<R> {
  type Settled = { id: number; ok: true; value: R } | { id: number; ok: false; error: unknown };
  const iterator = items[Symbol.asyncIterator]();
  const running = new Map<number, Promise<Settled>>();
  let nextId = 0;
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && running.size < Math.max(1, limit)) {
        const step = await iterator.next();
        if (step.done) {
          exhausted = true;
          break;
        }
        const id = nextId++;
        running.set(
          id,
          work(step.value).then(
            (value): Settled => ({ id, ok: true, value }),
            (error: unknown): Settled => ({ id, ok: false, error }),
          ),
        );
      }
      if (running.size === 0) return;
      const settled = await Promise.race(running.values());
      running.delete(settled.id);
      if (!settled.ok) {
        await Promise.all(running.values());
        running.clear();
        throw settled.error;
      }
      yield settled.value;
    }
  } finally {
    await Promise.all(running.values());
    if (!exhausted) await iterator.return?.();
  }
}
