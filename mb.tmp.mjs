import { SpiffyCustomerSchema } from './dist/dialects/spiffy/schema.js';
import { CustomerSchema, normaliseCustomer } from './dist/core/customer.js';
import { fromWire } from './dist/dialects/spiffy/mapping.js';
const all = [];
for (let p = 1; p <= 100; p++) {
  const r = await fetch(`http://127.0.0.1:4711/api/customers.json?limit=50&page=${p}`, { headers: { authorization: 'Bearer spiffy-sandbox-token' } });
  all.push(...JSON.parse(await r.text()).customers);
}
const mode = process.argv[2];
const t0 = performance.now(); const marks = [];
for (let i = 0; i < all.length; i++) {
  if (mode === 'wire') SpiffyCustomerSchema.parse(all[i]);
  else if (mode === 'canon') { const c = fromWire(all[i], 'p'); }
  else if (mode === 'norm') { normaliseCustomer({ key: String(all[i].id), source: {system:'s', profile:'p', id:'1'}, email: all[i].email, firstName: all[i].first_name, addresses: [] }); }
  if (i % 1000 === 999) marks.push((performance.now() - t0).toFixed(0));
}
console.log(mode, marks.join(' '));
