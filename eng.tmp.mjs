import { readPartitions, flatten } from './dist/core/read/engine.js';
import { idWindowPlan } from './dist/core/read/id-windows.js';
const ids = Array.from({ length: 5000 }, (_, i) => 1001 + i);
let requests = 0;
const lat = () => new Promise((r) => setTimeout(r, 20));
const above = (a) => { let lo = 0, hi = ids.length; while (lo < hi) { const m = (lo + hi) >> 1; if (ids[m] <= a) lo = m + 1; else hi = m; } return lo; };
const source = {
  name: 'fake', pageSize: 50, keyOf: (x) => x,
  async fetch(after) { requests++; await lat(); const i = above(after); const items = ids.slice(i, i + 50); return { items, complete: items.length < 50 }; },
  async count(after, first, gate) { return gate.run(async () => { requests++; await lat(); return ids.length - above(after); }); },
  async keyAt(after, index) { requests++; await lat(); return ids[above(after) + index]; },
};
for (const c of [1, 4, 8]) {
  requests = 0;
  const t = performance.now(); let n = 0;
  for await (const x of flatten(readPartitions(idWindowPlan(source, { after: 0, concurrency: c }), { concurrency: c }))) n++;
  const ms = performance.now() - t;
  console.log(`c=${c} n=${n} requests=${requests} ${ms.toFixed(0)} ms floor ${(requests * 20 / c).toFixed(0)} ratio ${(ms / (requests * 20 / c)).toFixed(2)}`);
}
