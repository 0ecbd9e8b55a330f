import { describe, expect, it } from 'vitest';
import { flatten, readPartitions } from '../../../src/core/read/engine.js';
import type { IdWindowSource } from '../../../src/core/read/id-windows.js';
import { idPartPlan, planIdParts, planRangeParts, rangePartPlan, ReadPartSchema, type ReadPart } from '../../../src/core/read/parts.js';
import { fakeRangeSource, second, type RangeItem } from '../../helpers/fake-range-source.js';

/**
 * Parts that other processes read (`migrate --workers`): planned once, stored
 * as JSON, each read on its own. Together they read every customer exactly
 * once, also those created after the plan (the open last part), and they are
 * even enough that no worker is left with most of the base.
 */
const readAll = async <T>(plans: Array<ReturnType<typeof idPartPlan<T>>>) => {
  const out: T[] = [];
  for (const plan of plans) for await (const item of flatten(readPartitions(plan, { concurrency: 2 }))) out.push(item);
  return out;
};

describe('id parts', () => {
  function idShop(ids: number[]) {
    const list = [...ids].sort((a, b) => a - b);
    const source: IdWindowSource<number> = {
      name: 'fake list',
      pageSize: 10,
      keyOf: (id) => id,
      async fetch(after) {
        const items = list.filter((id) => id > after).slice(0, 10);
        return { items, complete: items.length < 10 };
      },
      count: async (after) => list.filter((id) => id > after).length,
      keyAt: async (after, index) => list.filter((id) => id > after)[index],
    };
    return { list, source };
  }

  it('cuts a base into even id ranges that, read one by one, give every id once, new ones in the open last part', async () => {
    // Sparse ids: the bounds come from positions, not from the id values.
    const { list, source } = idShop(Array.from({ length: 1000 }, (_, i) => 5 + i * 7 + (i % 3)));
    const parts = await planIdParts(source, { after: 0, concurrency: 3 });
    // Stored as JSON and read back, as another worker does.
    const stored = parts.map((part) => ReadPartSchema.parse(JSON.parse(JSON.stringify(part))));
    expect(stored.length).toBe(25);
    expect(stored.at(-1)!.to).toBeNull();
    list.push(100_000, 100_001);
    const read = await readAll(stored.map((part) => idPartPlan(source, part)));
    expect(read).toEqual(list);
    const sizes = stored.map((part) => list.filter((id) => id > part.from && (part.to === null || id <= part.to)).length);
    expect(Math.max(...sizes.slice(0, -1))).toBe(40);
  });

  it('a base that fits one part is one open part', async () => {
    const { source } = idShop([1, 2, 3]);
    expect(await planIdParts(source, { after: 0, concurrency: 2 })).toEqual([{ by: 'id', from: 0, to: null, label: 'ids above 0' }]);
  });
});

describe('creation-time parts', () => {
  it('places bounds where the customers are (most created in one recent year), and the parts read each once', async () => {
    const year = 365 * 86_400 * second;
    const start = 50 * year;
    const items: RangeItem[] = Array.from({ length: 900 }, (_, i) => ({ key: `c${i}`, created: start + Math.floor((i * year) / 900 / second) * second }));
    items.push({ key: 'early', created: 3 * year });
    const { state, source } = fakeRangeSource(items);
    const list = state.list;
    const end = 60 * year;
    const parts: ReadPart[] = await planRangeParts(source, { range: { from: 0, to: end }, concurrency: 4 });
    expect(parts.length).toBeGreaterThanOrEqual(8);
    expect(parts.at(-1)!.to).toBeNull();
    const sizes = parts.map((part) => list.filter((i) => i.created >= part.from && (part.to === null || i.created < part.to)).length);
    // Within half a part of even (80 each): none holds most of the base.
    expect(Math.max(...sizes)).toBeLessThanOrEqual(130);
    list.push({ key: 'late', created: end - second });
    const read = await readAll(parts.map((part) => rangePartPlan(source, part, { end, concurrency: 2 })));
    expect(read.map((i) => i.key).sort()).toEqual(list.map((i) => i.key).sort());
  });
});
