import { benchFileForms } from './file-forms.js';
import { benchIncremental } from './incremental.js';
import { benchMigrate } from './migrate.js';
import { benchRead } from './read.js';

/**
 * `npm run bench`: figures, not assertions. Targets: CSV → canonical → JSONL
 * within 2× of the bare csv-parse → csv-stringify floor; peak RSS flat (under
 * 300 MB) as the file grows.
 */
const sizes = (process.env.BENCH_SIZES ?? '50000,200000').split(',').map(Number);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

console.log('CSV → canonical → JSONL vs bare csv-parse → csv-stringify');
for (const size of sizes) {
  const f = await benchFileForms(size);
  console.log(
    `  ${fmt(f.records)} records (${f.megabytes.toFixed(1)} MB): canonical ${fmt(f.canonicalPerSecond)} rec/s, bare ${fmt(f.barePerSecond)} rec/s, ` +
      `ratio ${f.ratio.toFixed(2)}× (target ≤ 2×), peak RSS ${f.peakRssMb.toFixed(0)} MB (target < 300 MB)`,
  );
}

// resultset → propeller: both have batch endpoints; Spiffy's emulator enforces the platform's
// 500-calls-per-300-s window, which would make the figure a measure of that window.
console.log('migrate sandbox → sandbox, 20 ms latency');
await benchMigrate({ from: 'resultset', to: 'propeller', customers: Number(process.env.BENCH_MIGRATE ?? 10_000), latencyMs: 20 });

// Reads (issue 10): pull per dialect vs a plain page loop, start-up, rate limits, memory (docs/performance.md).
await benchRead({
  customers: Number(process.env.BENCH_READ ?? 5000),
  bigCustomers: Number(process.env.BENCH_READ_BIG ?? 50_000),
  dialects: process.env.BENCH_READ_DIALECTS?.split(','),
  runs: process.env.BENCH_READ_RUNS ? Number(process.env.BENCH_READ_RUNS) : undefined,
});

// Incremental migrations (issue 14): the requests of a full and an incremental run (docs/performance.md).
await benchIncremental({ customers: Number(process.env.BENCH_INCREMENTAL ?? 50_000) });
