import { describe, expect, it } from 'vitest';
import { flatten, readPartitions, type Partition, type ReadPlan } from '../../../src/core/read/engine.js';
import { GateClosed, Semaphore } from '../../../src/core/read/gate.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A plan of `count` partitions of `pages` pages each; page p of partition k holds [k*100+p]. */
function plan(count: number, pages: number, track: { inFlight: number; peak: number; fetched: string[] }, fail?: string): ReadPlan<number[]> {
  return {
    async *partitions() {
      for (let k = 0; k < count; k += 1) {
        const partition: Partition<number[]> = {
          label: `partition ${k}`,
          async *pages(gate) {
            for (let p = 0; p < pages; p += 1) {
              const page = await gate.run(async () => {
                track.inFlight += 1;
                track.peak = Math.max(track.peak, track.inFlight);
                // Later partitions answer faster, so completion order differs from source order.
                await pause(((count - k) * 3 + p) % 7);
                track.inFlight -= 1;
                track.fetched.push(`${k}.${p}`);
                if (fail === `${k}.${p}`) throw new Error(`boom at ${fail}`);
                return [k * 100 + p];
              });
              yield page;
            }
          },
        };
        yield partition;
      }
    },
  };
}

describe('read engine', () => {
  it('hands pages on in the source order whatever order they arrive in, with at most `concurrency` requests in flight', async () => {
    for (const concurrency of [1, 3, 8]) {
      const track = { inFlight: 0, peak: 0, fetched: [] as string[] };
      const out: number[] = [];
      for await (const item of flatten(readPartitions(plan(7, 5, track), { concurrency }))) out.push(item);
      const expected = Array.from({ length: 7 }, (_, k) => Array.from({ length: 5 }, (_, p) => k * 100 + p)).flat();
      expect(out).toEqual(expected);
      expect(track.peak).toBeLessThanOrEqual(concurrency);
      if (concurrency > 1) expect(track.peak).toBeGreaterThan(1);
    }
  });

  it('stops fetching when the consumer stops, and sends nothing that was waiting', async () => {
    const track = { inFlight: 0, peak: 0, fetched: [] as string[] };
    const out: number[] = [];
    for await (const item of flatten(readPartitions(plan(50, 20, track), { concurrency: 4 }))) {
      out.push(item);
      if (out.length === 3) break;
    }
    await pause(30);
    expect(out).toEqual([0, 1, 2]);
    // Read ahead is bounded: the head and a few pages of the partitions running beside it.
    expect(track.fetched.length).toBeLessThan(40);
  });

  it('stops with the first error of any partition, even one later in the order', async () => {
    const track = { inFlight: 0, peak: 0, fetched: [] as string[] };
    const run = async () => {
      for await (const page of readPartitions(plan(6, 10, track, '2.1'), { concurrency: 3 })) void page;
    };
    await expect(run()).rejects.toThrow('boom at 2.1');
  });

  it('passes an error of the plan itself on', async () => {
    const broken: ReadPlan<number[]> = {
      // eslint-disable-next-line require-yield
      async *partitions() {
        throw new Error('cannot plan');
      },
    };
    await expect((async () => {
      for await (const page of readPartitions(broken, { concurrency: 2 })) void page;
    })()).rejects.toThrow('cannot plan');
  });

  it('an empty plan reads nothing', async () => {
    const out: unknown[] = [];
    for await (const page of readPartitions({ async *partitions() {} }, { concurrency: 4 })) out.push(page);
    expect(out).toEqual([]);
  });
});

describe('gate', () => {
  it('never runs more than its limit, hands places over in order, and refuses waiting tasks once closed', async () => {
    const gate = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (n: number) => gate.run(async () => {
      running += 1;
      peak = Math.max(peak, running);
      await pause(2);
      order.push(n);
      running -= 1;
      return n;
    });
    expect(await Promise.all([1, 2, 3, 4, 5].map(task))).toEqual([1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    const first = task(6);
    const second = task(7);
    const third = task(8);
    gate.close();
    await expect(third).rejects.toBeInstanceOf(GateClosed);
    expect(await first).toBe(6);
    expect(await second).toBe(7);
    await expect(task(9)).rejects.toBeInstanceOf(GateClosed);
  });
});
