import { benchFileForms } from './file-forms.js';
import { benchIncremental } from './incremental.js';
import { availableParallelism } from 'node:os';
import { benchWrites } from './migrate.js';
import { benchRead } from './read.js';
import { benchState } from './state.js';

/**
 * `npm run bench`: figures, not assertions, each goal printed as a ratio
 * (docs/performance.md). Files: CSV → canonical → JSONL and back within
 * 1.3× of the bare csv-parse → csv-stringify pass, peak RSS flat (under
 * 300 MB) as the file grows. Writes (issue 16): migrate and push within 1.2×
 * of target requests × latency / concurrency.
 */
const sizes = (process.env.BENCH_SIZES ?? '50000,200000').split(',').map(Number);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const runs = Number(process.env.BENCH_RUNS ?? 3);
/** BENCH_ONLY=files,writes,reads,incremental,state runs those parts only (default: all). */
const only = process.env.BENCH_ONLY?.split(',');
const parts = ['files', 'writes', 'reads', 'incremental', 'state'];
const unknownPart = only?.find((part) => !parts.includes(part));
if (unknownPart) {
  console.error(`BENCH_ONLY: no part "${unknownPart}" (parts: ${parts.join(', ')})`);
  process.exit(2);
}
const wanted = (part: string) => !only || only.includes(part);
console.log(`machine: ${availableParallelism()} cores, node ${process.version}`);
if (wanted('files')) console.log(`CSV → canonical → JSONL and back vs bare csv-parse → csv-stringify (warmed up, alternated, median of ${runs})`);
for (const size of wanted('files') ? sizes : []) {
  const f = await benchFileForms(size, runs);
  console.log(
    `  ${fmt(f.records)} records (${f.megabytes.toFixed(1)} MB): canonical ${fmt(f.canonicalPerSecond)} rec/s, bare ${fmt(f.barePerSecond)} rec/s, ` +
      `ratio ${f.ratio.toFixed(2)}× there, ${f.backRatio.toFixed(2)}× back (goal ≤ 1.3×; in CPU time ${f.cpuRatio.toFixed(2)}× and ${f.cpuBackRatio.toFixed(2)}×), peak RSS ${f.peakRssMb.toFixed(0)} MB (goal < 300 MB)`,
  );
}

if (wanted('writes')) await benchWrites({
  customers: Number(process.env.BENCH_MIGRATE ?? 3000),
  pushCustomers: Number(process.env.BENCH_PUSH ?? 10_000),
  latencyMs: 20,
  concurrency: 4,
  runs,
  targets: process.env.BENCH_WRITE_TARGETS?.split(','),
});

// Reads (issue 10): pull per dialect vs a plain page loop, start-up, rate limits, memory (docs/performance.md).
if (wanted('reads')) await benchRead({
  customers: Number(process.env.BENCH_READ ?? 5000),
  bigCustomers: Number(process.env.BENCH_READ_BIG ?? 50_000),
  dialects: process.env.BENCH_READ_DIALECTS?.split(','),
  runs: process.env.BENCH_READ_RUNS ? Number(process.env.BENCH_READ_RUNS) : undefined,
});

// Incremental migrations (issue 14): the requests of a full and an incremental run (docs/performance.md).
if (wanted('incremental')) await benchIncremental({ customers: Number(process.env.BENCH_INCREMENTAL ?? 50_000) });

// State in SQLite vs PostgreSQL (issue 17): the same migration with --state DIR and --state postgres://.
if (wanted('state')) await benchState({
  customers: Number(process.env.BENCH_STATE ?? 10_000),
  latencies: process.env.BENCH_STATE_LATENCIES?.split(',').map(Number),
  rounds: process.env.BENCH_STATE_ROUNDS ? Number(process.env.BENCH_STATE_ROUNDS) : undefined,
});
