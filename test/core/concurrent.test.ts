import { describe, expect, it } from 'vitest';
import { inBatches, mapConcurrent, mapUnordered, prefetch } from '../../src/core/concurrent.js';

async function* numbers(count: number) {
  for (let i = 0; i < count; i += 1) yield i;
}
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('concurrency helpers', () => {
  it('mapUnordered keeps at most the limit in flight and yields every result', async () => {
    let inFlight = 0;
    let peak = 0;
    const results: number[] = [];
    for await (const r of mapUnordered(numbers(20), 3, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await pause((n * 7) % 5);
      inFlight -= 1;
      return n * 2;
    })) results.push(r);
    expect(peak).toBe(3);
    expect(results.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });

  it('mapUnordered yields what was in flight before rethrowing the first error, and starts nothing new', async () => {
    const started: number[] = [];
    const results: number[] = [];
    const run = async () => {
      for await (const r of mapUnordered(numbers(10), 3, async (n) => {
        started.push(n);
        if (n === 1) throw new Error('boom');
        await pause(10);
        return n;
      })) results.push(r);
    };
    await expect(run()).rejects.toThrow('boom');
    expect(results.sort()).toEqual([0, 2]);
    expect(started.sort()).toEqual([0, 1, 2]);
  });

  it('mapConcurrent returns results in input order', async () => {
    const out = await mapConcurrent([30, 5, 15, 1], 2, async (ms) => {
      await pause(ms);
      return ms;
    });
    expect(out).toEqual([30, 5, 15, 1]);
  });

  it('inBatches groups a stream without losing the tail', async () => {
    const sizes: number[] = [];
    for await (const batch of inBatches(numbers(7), 3)) sizes.push(batch.length);
    expect(sizes).toEqual([3, 3, 1]);
  });
});

describe('concurrency helpers: what the consumer does never holds the pipe', () => {
  it('mapUnordered refills a slot as soon as its call settles, while the consumer still works on a result, holding at most the limit of results', async () => {
    let started = 0;
    let startedWhileHeld = 0;
    const results: number[] = [];
    for await (const r of mapUnordered(numbers(12), 2, async (n) => {
      started += 1;
      await pause(2);
      return n;
    })) {
      if (results.length === 0) {
        // The consumer is slow with its first result: the freed slot is used meanwhile.
        await pause(40);
        startedWhileHeld = started;
      }
      results.push(r);
    }
    // 2 at the start, the freed slot refilled, then the calls that finish while at most 2 results wait.
    expect(startedWhileHeld).toBe(4);
    expect(results.sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('mapUnordered yields the calls in flight when the input fails, then rethrows its error', async () => {
    async function* failing() {
      yield 1;
      yield 2;
      throw new Error('source broke');
    }
    const results: number[] = [];
    const run = async () => {
      for await (const r of mapUnordered(failing(), 4, async (n) => {
        await pause(5);
        return n;
      })) results.push(r);
    };
    await expect(run()).rejects.toThrow('source broke');
    expect(results.sort()).toEqual([1, 2]);
  });

  it('prefetch gives way to the event loop while it works through items that are ready', async () => {
    let produced = 0;
    async function* ready() {
      for (let i = 0; i < 100; i += 1) {
        produced += 1;
        yield i;
      }
    }
    let producedWhenTheLoopTurned = -1;
    setImmediate(() => (producedWhenTheLoopTurned = produced));
    const out: number[] = [];
    for await (const item of prefetch(ready(), 1000)) out.push(item);
    expect(out).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // Without giving way, a producer whose items are all ready runs to its end before any I/O or timer.
    expect(producedWhenTheLoopTurned).toBeGreaterThan(0);
    expect(producedWhenTheLoopTurned).toBeLessThan(20);
  });
});

describe('mapUnordered with a function that throws before returning its promise', () => {
  it('counts it as a failed call: the calls in flight are yielded, then its error', async () => {
    const results: number[] = [];
    const run = async () => {
      for await (const r of mapUnordered(numbers(6), 2, (n: number): Promise<number> => {
        if (n === 1) throw new Error('thrown at once');
        return pause(5).then(() => n);
      })) results.push(r);
    };
    await expect(run()).rejects.toThrow('thrown at once');
    expect(results).toEqual([0]);
  });
});
