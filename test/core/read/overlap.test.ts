import { describe, expect, it } from 'vitest';
import { nextSpan, overlapOf, readOverlapping, type OffsetSource } from '../../../src/core/read/overlap.js';
import { create, exactlyOnce, fakeShop, remove, serve, type FakeShop } from './fake-shop.js';

/** A page/limit API over the fake shop's list (its order is the list's order, as on ResultSet). */
function source(shop: FakeShop, pageSize = 20, maxPageSize = 1000): OffsetSource<number> {
  return {
    name: 'fake positions',
    pageSize,
    maxPageSize,
    keyOf: (id) => String(id),
    fetch: (page, limit) => {
      expect(limit).toBeLessThanOrEqual(maxPageSize);
      expect(page).toBeGreaterThanOrEqual(1);
      return serve(shop, () => ({ items: shop.ids.slice((page - 1) * limit, page * limit), total: shop.ids.length }));
    },
  };
}

async function readAll(shop: FakeShop, concurrency: number, options: { pageSize?: number; want?: number; log?: (line: string) => void } = {}): Promise<number[]> {
  const out: number[] = [];
  for await (const page of readOverlapping(source(shop, options.pageSize), { concurrency, want: options.want, log: options.log })) out.push(...page);
  return out;
}

describe('overlapping position reads', () => {
  it('plan each read to start a few customers before the last one ended, as a page/limit pair', () => {
    for (const pageSize of [7, 20, 100, 250, 1000]) {
      const overlap = overlapOf(pageSize);
      let after = 0;
      for (let i = 0; i < 300; i += 1) {
        const span = nextSpan(after, pageSize, 1000, overlap);
        expect((span.page - 1) * span.limit).toBe(span.start);
        expect(span.limit).toBeLessThanOrEqual(1000);
        expect(span.start + span.limit).toBeGreaterThan(after);
        if (after > overlap.min) expect(span.start).toBeLessThanOrEqual(after - overlap.min);
        after = span.start + span.limit;
      }
    }
  });

  it('moves on past the largest page when that is small (pages of 10 at most 10), never back to the start', () => {
    for (const [pageSize, max] of [[10, 10], [12, 12], [10, 20], [50, 50]]) {
      for (let after = max + 1; after < 2000; after += 1) {
        // Positions where no page of at most 10 can share one with the read before (every limit divides them).
        if (max === 10 && after % 2520 === 0) continue;
        const span = nextSpan(after, pageSize, max);
        expect((span.page - 1) * span.limit).toBe(span.start);
        expect(span.limit).toBeLessThanOrEqual(max);
        expect(span.start, `after ${after}, pages of ${pageSize} at most ${max}`).toBeLessThan(after);
        expect(span.start + span.limit).toBeGreaterThan(after);
      }
    }
  });

  it('reads every customer once, in order, for odd totals and any concurrency', async () => {
    for (const count of [0, 1, 19, 20, 21, 77, 1003]) {
      for (const concurrency of [1, 3, 8]) {
        const shop = fakeShop(count);
        expect(await readAll(shop, concurrency), `${count} customers, concurrency ${concurrency}`).toEqual(shop.ids);
        expect(shop.peakInFlight).toBeLessThanOrEqual(concurrency);
      }
    }
  });

  it('nothing lost, nothing twice while customers are deleted before the seams and created meanwhile', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const deleted = new Set<number>();
      const shop = fakeShop(600, (n, s) => {
        // Deletes near the front shift every later position: what a plain page loop loses.
        for (let i = 0; i < (n % 4) + seed % 3; i += 1) {
          const victim = s.ids[(n * 7 + i * 13 + seed) % Math.max(1, Math.floor(s.ids.length / 2))];
          if (victim !== undefined) {
            remove(s, victim);
            deleted.add(victim);
          }
        }
        if (n % 2 === 0) create(s, 2);
      });
      const original = [...shop.ids];
      const got = await readAll(shop, 4);
      const stayed = original.filter((id) => !deleted.has(id));
      expect(exactlyOnce(got, stayed), `seed ${seed}`).toEqual({ missing: [], twice: [] });
      // The list's order is kept.
      expect(got.filter((id) => stayed.includes(id))).toEqual(stayed);
    }
  });

  it('reads a gap again when more customers were deleted before a seam than the overlap holds', async () => {
    const deleted: number[] = [];
    const shop = fakeShop(200, (n, s) => {
      // At the 4th request, 15 customers near the front go at once.
      if (n === 4) for (const victim of s.ids.slice(5, 20)) {
        remove(s, victim);
        deleted.push(victim);
      }
    });
    const original = [...shop.ids];
    const lines: string[] = [];
    const got = await readAll(shop, 4, { log: (line) => lines.push(line) });
    const stayed = original.filter((id) => !deleted.includes(id));
    expect(exactlyOnce(got, stayed)).toEqual({ missing: [], twice: [] });
    expect(lines.some((line) => /a gap after position/.test(line))).toBe(true);
  });

  it('reads on when the list grows past the planned end, and stops at --limit', async () => {
    const shop = fakeShop(100, (n, s) => {
      if (n <= 3) create(s, 15);
    });
    const got = await readAll(shop, 2);
    expect(got).toEqual(shop.ids);
    const big = fakeShop(5000);
    const limited = await readAll(big, 8, { want: 30 });
    expect(limited.slice(0, 30)).toEqual(big.ids.slice(0, 30));
    expect(big.requests).toBeLessThanOrEqual(3);
  });
});
