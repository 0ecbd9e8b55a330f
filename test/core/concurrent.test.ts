import { describe, expect, it } from 'vitest';
import { inBatches, mapConcurrent, mapUnordered } from '../../src/core/concurrent.js';

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
