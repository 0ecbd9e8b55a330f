/**
 * Runs `fn` over an async iterable with at most `limit` calls in flight and
 * yields the results as they finish (not in input order). Input is pulled
 * only as slots free up, so memory stays flat. If a call throws, no new input
 * is started, the calls in flight are waited for and their results yielded,
 * and then the first error is rethrown.
 */
export async function* parallelMap<T, R>(items: AsyncIterable<T>, limit: number, fn: (item: T) => Promise<R>): AsyncGenerator<R> {
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
