import { describe, expect, it } from 'vitest';
import { flatten, readPartitions } from '../../../src/core/read/engine.js';
import { cutRange, rangeWindowPlan, type RangeSource } from '../../../src/core/read/range-windows.js';
import { fakeRangeSource, second, type RangeItem } from '../../helpers/fake-range-source.js';

/** 600 customers: most spread over a year, a dense month, and 45 created in the same second (an import). */
function base(): RangeItem[] {
  const start = Date.UTC(2024, 0, 1);
  const items: RangeItem[] = [];
  for (let i = 0; i < 400; i += 1) items.push({ key: `spread-${i}`, created: start + Math.floor((i * 365 * 86_400_000) / 400 / second) * second });
  for (let i = 0; i < 155; i += 1) items.push({ key: `month-${i}`, created: start + 90 * 86_400_000 + i * 7 * 3600 * second });
  for (let i = 0; i < 45; i += 1) items.push({ key: `import-${i}`, created: start + 200 * 86_400_000 });
  return items;
}

const range = { from: Date.UTC(2020, 0, 1), to: Date.UTC(2026, 0, 1) };

async function readAll(source: RangeSource<RangeItem>, concurrency: number, want?: number): Promise<RangeItem[]> {
  const out: RangeItem[] = [];
  for await (const item of flatten(readPartitions(rangeWindowPlan(source, { range, concurrency, want }), { concurrency }))) out.push(item);
  return out;
}

describe('range windows', () => {
  it('cut a range into slices on whole units, never more than it has units', () => {
    expect(cutRange({ from: 0, to: 10_000 }, 4, 1000)).toEqual([
      { from: 0, to: 3000 },
      { from: 3000, to: 5000 },
      { from: 5000, to: 8000 },
      { from: 8000, to: 10_000 },
    ]);
    expect(cutRange({ from: 0, to: 2000 }, 5, 1000)).toEqual([{ from: 0, to: 1000 }, { from: 1000, to: 2000 }]);
    expect(cutRange({ from: 0, to: 1000 }, 5, 1000)).toEqual([{ from: 0, to: 1000 }]);
  });

  it('reads every customer once, window after window in order of creation, whatever order an answer comes in', async () => {
    let order: string[] | undefined;
    for (const concurrency of [1, 4, 8]) {
      const { state, source } = fakeRangeSource(base());
      const got = await readAll(source, concurrency);
      expect(got.map((i) => i.key).sort()).toEqual(base().map((i) => i.key).sort());
      // Windows come in range order: a customer is never followed by one created a window (weeks here) earlier.
      for (let i = 1; i < got.length; i += 1) expect(got[i].created).toBeGreaterThan(got[i - 1].created - 60 * 86_400_000);
      // The same order at any concurrency.
      order ??= got.map((i) => i.key);
      expect(got.map((i) => i.key)).toEqual(order);
      expect(state.peak).toBeLessThanOrEqual(concurrency);
      // 600 customers in pages of 20 is 30 reads; empty and overflowing windows cost some more.
      expect(state.requests, `concurrency ${concurrency}`).toBeLessThan(120);
    }
  });

  it('nothing lost, nothing twice while customers are created and deleted meanwhile', async () => {
    const deleted = new Set<string>();
    const { source } = fakeRangeSource(base(), (n, list) => {
      const victim = list[(n * 37) % list.length];
      if (victim && n % 2 === 0) {
        list.splice(list.indexOf(victim), 1);
        deleted.add(victim.key);
      }
      list.push({ key: `new-${n}`, created: Date.UTC(2024, 5, 1) + n * second });
    });
    const got = (await readAll(source, 4)).map((i) => i.key);
    const stayed = base().map((i) => i.key).filter((k) => !deleted.has(k));
    expect(deleted.size).toBeGreaterThan(5);
    expect(stayed.filter((k) => !got.includes(k))).toEqual([]);
    expect(got.length).toBe(new Set(got).size);
  });

  it('completes each page through the gate (per-customer details), within the concurrency, in order', async () => {
    const { source } = fakeRangeSource(base());
    let inFlight = 0;
    let peak = 0;
    const detailed: RangeSource<RangeItem> = {
      ...source,
      enrich: (items, gate) =>
        Promise.all(items.map((item) => gate.run(async () => {
          inFlight += 1;
          peak = Math.max(peak, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 1));
          inFlight -= 1;
          return { ...item, key: `${item.key}+details` };
        }))),
    };
    const plain = (await readAll(fakeRangeSource(base()).source, 4)).map((i) => `${i.key}+details`);
    const got = (await readAll(detailed, 4)).map((i) => i.key);
    expect(got).toEqual(plain);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(4);
  });

  it('stops (exit 3) when the API does not apply the range filter, instead of reading the list again and again', async () => {
    const { source } = fakeRangeSource(base());
    const unfiltered: RangeSource<RangeItem> = { ...source, fetch: (_range, page, limit) => source.fetch(range, page, limit) };
    await expect(readAll(unfiltered, 4)).rejects.toThrow(/does not apply that filter/);
  });

  it('stops planning at --limit', async () => {
    const { state, source } = fakeRangeSource(base());
    const got = await readAll(source, 4, 10);
    expect(got.length).toBeGreaterThanOrEqual(10);
    expect(state.requests).toBeLessThan(30);
  });
});
