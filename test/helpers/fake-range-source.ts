import type { Range, RangeSource } from '../../src/core/read/range-windows.js';

/**
 * A fake search over an immutable range (creation times), as Propeller's
 * offers: a total per answer, page/offset, bounds both inclusive to the
 * second. It lists a window in an order of its own (by a hash of the key),
 * so nothing may depend on the order of an answer; `churn` changes the list
 * before the n-th answer is made.
 */
export interface RangeItem {
  key: string;
  created: number;
}

export const second = 1000;

export function fakeRangeSource(items: RangeItem[], churn?: (n: number, list: RangeItem[]) => void) {
  const state = { list: [...items], requests: 0, inFlight: 0, peak: 0 };
  const scramble = (key: string) => [...key].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1009, 7);
  const source: RangeSource<RangeItem> = {
    name: 'fake search',
    pageSize: 20,
    resolution: second,
    keyOf: (item) => item.key,
    positionOf: (item) => item.created,
    async fetch(range: Range, page: number, limit: number) {
      state.requests += 1;
      const n = state.requests;
      state.inFlight += 1;
      state.peak = Math.max(state.peak, state.inFlight);
      await new Promise((resolve) => setTimeout(resolve, n % 3));
      state.inFlight -= 1;
      churn?.(n, state.list);
      // Inclusive at both ends, to the second: [from, to - 1 s].
      const inWindow = state.list.filter((i) => i.created >= range.from && i.created <= range.to - second);
      inWindow.sort((a, b) => scramble(a.key) - scramble(b.key) || a.key.localeCompare(b.key));
      return { items: inWindow.slice((page - 1) * limit, page * limit), total: inWindow.length };
    },
  };
  return { state, source };
}
