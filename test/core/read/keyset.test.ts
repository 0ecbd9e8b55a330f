import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/core/errors.js';
import { flatten, readPartitions } from '../../../src/core/read/engine.js';
import { idWindowPlan, windowEnds, type IdWindowSource } from '../../../src/core/read/id-windows.js';
import { create, exactlyOnce, fakeShop, remove, serve, type FakeShop } from './fake-shop.js';

/**
 * Two kinds of keyset API over the fake shop: `since_id` only (no upper
 * bound on the server, no totals: Spiffy) and `filter[id][gt]`/`[lte]` with
 * `total_count` (Cabinetry).
 */
function source(shop: FakeShop, kind: 'since-id' | 'bounded', pageSize = 10): IdWindowSource<number> {
  const above = (after: number, upTo?: number) => shop.ids.filter((id) => id > after && (kind === 'since-id' || upTo === undefined || id <= upTo)).sort((a, b) => a - b);
  return {
    name: `fake ${kind}`,
    pageSize,
    keyOf: (id) => id,
    fetch: (after, upTo) =>
      serve(shop, () => {
        const all = above(after, upTo);
        const items = all.slice(0, pageSize);
        return kind === 'bounded' ? { items, total: all.length, complete: all.length <= items.length } : { items, complete: items.length < pageSize };
      }),
    count: async (after, first, gate) => (kind === 'bounded' ? (await first).total : gate.run(() => serve(shop, () => above(after).length))),
    keyAt: (after, index) => serve(shop, () => above(after)[index]),
  };
}

async function readAll(shop: FakeShop, kind: 'since-id' | 'bounded', concurrency: number, options: { want?: number; pageSize?: number } = {}): Promise<number[]> {
  const out: number[] = [];
  const plan = idWindowPlan(source(shop, kind, options.pageSize), { after: 0, concurrency, want: options.want, maxPagesPerWindow: 5 });
  for await (const id of flatten(readPartitions(plan, { concurrency }))) out.push(id);
  return out;
}

describe('id windows', () => {
  it('cut the pages into windows, a multiple of the concurrency, the first a little longer', () => {
    expect(windowEnds(100, 8, 20)).toEqual([14, 27, 39, 51, 63, 76, 88]);
    expect(windowEnds(100, 4, 20)).toEqual([13, 25, 38, 50, 63, 75, 88]);
    expect(windowEnds(3, 8, 20)).toEqual([2]);
    expect(windowEnds(1, 8)).toEqual([]);
    expect(windowEnds(500, 1)).toEqual([]);
  });

  for (const kind of ['since-id', 'bounded'] as const) {
    it(`${kind}: reads every customer once, in id order, for odd totals and any concurrency`, async () => {
      for (const count of [0, 1, 9, 10, 11, 57, 240, 1001]) {
        for (const concurrency of [1, 2, 4, 8]) {
          const shop = fakeShop(count);
          const expected = [...shop.ids];
          const got = await readAll(shop, kind, concurrency);
          expect(got, `${count} customers, concurrency ${concurrency}`).toEqual(expected);
          expect(shop.peakInFlight).toBeLessThanOrEqual(concurrency);
          // Pages, plus the count and a probe per window at most, plus one for the open end.
          const pages = Math.ceil(count / 10);
          expect(shop.requests, `${count} customers, concurrency ${concurrency}`).toBeLessThanOrEqual(pages + 2 * Math.max(1, Math.ceil(pages / 5)) + concurrency + 2);
        }
      }
    });

    it(`${kind}: nothing lost, nothing twice while customers are created and deleted between pages`, async () => {
      for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
        const deleted = new Set<number>();
        const shop = fakeShop(400, (n, s) => {
          // Every request: delete one or two customers somewhere (often just read, or about to be), create one.
          const victim = s.ids[(n * 37 * seed) % s.ids.length];
          if (victim !== undefined) {
            remove(s, victim);
            deleted.add(victim);
          }
          if (n % 3 === 0 && s.ids.length > 0) {
            const other = s.ids[(n * 11 + seed) % s.ids.length];
            remove(s, other);
            deleted.add(other);
          }
          create(s, 1);
        });
        const original = [...shop.ids];
        const got = await readAll(shop, kind, 4);
        const stayed = original.filter((id) => !deleted.has(id));
        expect(exactlyOnce(got, stayed), `seed ${seed}`).toEqual({ missing: [], twice: [] });
        expect(got).toEqual([...got].sort((a, b) => a - b));
      }
    });

    it(`${kind}: --limit stops the read without fetching far ahead`, async () => {
      const shop = fakeShop(5000);
      const got = await readAll(shop, kind, 8, { want: 25 });
      expect(got.slice(0, 25)).toEqual(shop.ids.slice(0, 25));
      expect(shop.requests).toBeLessThanOrEqual(6);
    });
  }

  it('stops (exit 3) when a page is not in ascending id order, instead of losing customers', async () => {
    const shop = fakeShop(100);
    const base = source(shop, 'since-id');
    const shuffled: IdWindowSource<number> = { ...base, fetch: async (after, upTo) => {
      const page = await base.fetch(after, upTo);
      return { ...page, items: [...page.items].reverse() };
    } };
    const run = async () => {
      for await (const page of readPartitions(idWindowPlan(shuffled, { after: 0, concurrency: 2 }), { concurrency: 2 })) void page;
    };
    await expect(run()).rejects.toBeInstanceOf(ProtocolError);
    await expect(run()).rejects.toThrow(/not in ascending id order/);
  });

  it('reads a range again when the next total shows that a page skipped customers', async () => {
    const shop = fakeShop(60);
    const base = source(shop, 'bounded');
    let lied = false;
    // The server leaves out the 4th customer of the first full page it answers (in order otherwise).
    const skipping: IdWindowSource<number> = { ...base, fetch: async (after, upTo) => {
      const page = await base.fetch(after, upTo);
      if (!lied && !page.complete && page.items.length === 10) {
        lied = true;
        const all = shop.ids.filter((id) => id > after && (upTo === undefined || id <= upTo));
        return { ...page, items: all.filter((_, i) => i !== 3).slice(0, 10) };
      }
      return page;
    } };
    const out: number[] = [];
    for await (const id of flatten(readPartitions(idWindowPlan(skipping, { after: 0, concurrency: 1 }), { concurrency: 1 }))) out.push(id);
    expect(lied).toBe(true);
    expect(out).toEqual(shop.ids);
  });
});
