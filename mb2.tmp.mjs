import { CustomerSchema, normaliseCustomer } from './dist/core/customer.js';
import { fromWire } from './dist/dialects/spiffy/mapping.js';
const all = [];
for (let p = 1; p <= 100; p++) {
  const r = await fetch(`http://127.0.0.1:4711/api/customers.json?limit=50&page=${p}`, { headers: { authorization: 'Bearer spiffy-sandbox-token' } });
  all.push(...JSON.parse(await r.text()).customers);
}
const canon = all.map((w) => fromWire(w, 'p'));
for (const mode of ['norm', 'zod', 'norm', 'zod']) {
  const t0 = performance.now();
  for (const c of canon) { if (mode === 'norm') normaliseCustomer(c); else CustomerSchema.parse(c); }
  console.log(mode, (performance.now() - t0).toFixed(0));
}
