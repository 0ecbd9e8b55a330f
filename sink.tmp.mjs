import { openSink } from './dist/io/sink.js';
import { generateCustomer } from './dist/emulator/generator.js';
const recs = Array.from({ length: 5000 }, (_, i) => generateCustomer(i, 1));
for (const fmt of ['jsonl', 'csv', 'jsonl', 'csv']) {
  const t = performance.now();
  const sink = await openSink({ path: `/tmp/sb/sink.${fmt}`, format: fmt });
  for (const r of recs) await sink.write(r);
  await sink.end();
  console.log(fmt, (performance.now() - t).toFixed(0), 'ms');
}
