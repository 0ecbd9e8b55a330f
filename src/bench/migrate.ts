import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { dialects } from '../dialects/registry.js';
import type { EmulatorHandle, EmulatorOptions } from '../emulator/types.js';
import { writeGeneratedCsv } from './generated-csv.js';
import { cliPath, median, probeUrl, runNode } from './process.js';

/**
 * Benchmarks of writes (issue 16): `migrate` sandbox → sandbox and `push`
 * CSV → sandbox, custsync as a whole process as a user runs it, the
 * emulators (with their latency) in the bench process: a remote platform
 * does not share custsync's one JS thread, so neither does its emulator
 * here (as in the read bench). Each figure is the
 * median of several runs after a warm-up run, each run on fresh emulators
 * and a fresh state. The floor is `target requests × latency / concurrency`:
 * the time the target's answers take when `--concurrency` requests are in
 * flight at every moment and the source read is fully overlapped; the ratio
 * to it is the goal (≤ 1.2). Requests per record (per 100, per batch) are the
 * other goal: no lookup before a create into an empty target.
 */
export interface WriteBenchOptions {
  /** `migrate` from resultset, or `push` from a CSV file. */
  kind: 'migrate' | 'push';
  to: string;
  customers: number;
  latencyMs: number;
  concurrency: number;
  /** Measured runs (median); one warm-up run comes first. */
  runs: number;
  print?: (line: string) => void;
}

export interface WriteRun {
  records: number;
  elapsedMs: number;
  targetRequests: number;
  floorMs: number;
  ratio: number;
  /** migrate: when the source emulator sent its last answer (the read overlaps the writes), ms from the start. */
  readMs?: number;
  /** custsync's CPU time over the elapsed time: near 1, the run waited for its one JS thread, not for the latency. */
  cpuShare: number;
  /** custsync's own peak RSS (the emulators not included). */
  peakRssMb: number;
}

export interface WriteBenchResult extends WriteRun {
  kind: 'migrate' | 'push';
  to: string;
  runs: WriteRun[];
  /** Target requests per record, per 100 records, per batch (resultset's and propeller's batch sizes). */
  perRecord: number;
}

/** Spiffy's emulator enforces the platform's 500-calls-per-300-s window: raised, as on a plan that allows it, so the figure measures custsync. */
const sandboxOf = (id: string, customers: number, latencyMs: number, seed: number): EmulatorOptions =>
  ({ customers, latencyMs, seed, ...(id === 'spiffy' ? { rateLimit: { limit: 1_000_000 } } : {}) }) as EmulatorOptions;

/** The counts of `--summary-format json` (its last stderr line); none when the run ended without one (a crash: its stderr is shown instead). */
function summaryOf(stderr: string): { created?: number; updated?: number } {
  try {
    return JSON.parse(stderr.trim().split('\n').at(-1) ?? '{}') as { created?: number; updated?: number };
  } catch {
    return {};
  }
}

const start = (id: string, options: EmulatorOptions): Promise<EmulatorHandle> => dialects[id].emulator!.start(options);

async function once(options: WriteBenchOptions, customers: number, csv: string | undefined): Promise<WriteRun> {
  const { to, latencyMs, concurrency } = options;
  const dir = mkdtempSync(join(tmpdir(), 'custsync-bench-'));
  const handles: EmulatorHandle[] = [];
  try {
    const target = await start(to, sandboxOf(to, 0, latencyMs, 2));
    handles.push(target);
    let lastSourceAnswer = 0;
    // The source emulator generates its customers when it starts: before the clock runs.
    const source =
      options.kind === 'migrate' ? await start('resultset', { ...sandboxOf('resultset', customers, latencyMs, 1), log: () => (lastSourceAnswer = performance.now()) }) : undefined;
    if (source) handles.push(source);
    const profiles = join(dir, 'profiles.json');
    writeFileSync(profiles, JSON.stringify({ profiles: { target: target.profile, ...(source ? { source: source.profile } : {}) } }));
    const rssFile = join(dir, 'rss');
    const cpuFile = join(dir, 'cpu');
    const args = source ? ['migrate', '--from', 'source'] : ['push', '--input', csv!];
    const started = performance.now();
    const result = await runNode(
      ['--import', probeUrl, cliPath, ...args, '--to', 'target', '--profiles', profiles, '--state', join(dir, 'state'), '--concurrency', String(concurrency), '--quiet', '--summary-format', 'json'],
      { CUSTSYNC_BENCH_RSS: rssFile, CUSTSYNC_BENCH_CPU: cpuFile },
    );
    const elapsedMs = result.ms;
    const summary = summaryOf(result.stderr);
    const records = (summary.created ?? 0) + (summary.updated ?? 0);
    if (result.code !== 0 || records !== customers) {
      throw new Error(`bench: ${records} of ${customers} customers written to ${to}, exit ${result.code}: ${result.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    }
    const targetRequests = target.stats().requests;
    const floorMs = (targetRequests * latencyMs) / concurrency;
    return {
      records,
      elapsedMs,
      targetRequests,
      floorMs,
      ratio: elapsedMs / floorMs,
      readMs: source ? lastSourceAnswer - started : undefined,
      cpuShare: Number(readFileSync(cpuFile, 'utf8')) / 1000 / elapsedMs,
      peakRssMb: Number(readFileSync(rssFile, 'utf8')) / 1024,
    };
  } finally {
    for (const handle of handles.reverse()) await handle.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchWrite(options: WriteBenchOptions): Promise<WriteBenchResult> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'custsync-bench-csv-'));
  try {
    let csv: string | undefined;
    let warmCsv: string | undefined;
    if (options.kind === 'push') {
      csv = join(dir, 'in.csv');
      warmCsv = join(dir, 'warm.csv');
      await writeGeneratedCsv(csv, options.customers, 7);
      await writeGeneratedCsv(warmCsv, Math.min(500, options.customers), 7);
    }
    // Warm-up: JIT, sockets, the emulator code paths.
    await once(options, Math.min(500, options.customers), warmCsv);
    const runs: WriteRun[] = [];
    for (let i = 0; i < options.runs; i += 1) {
      global.gc?.();
      runs.push(await once(options, options.customers, csv));
    }
    const pick = (f: (r: WriteRun) => number) => median(runs.map(f));
    const result: WriteBenchResult = {
      kind: options.kind,
      to: options.to,
      runs,
      records: options.customers,
      elapsedMs: pick((r) => r.elapsedMs),
      targetRequests: pick((r) => r.targetRequests),
      floorMs: pick((r) => r.floorMs),
      ratio: pick((r) => r.ratio),
      cpuShare: pick((r) => r.cpuShare),
      ...(options.kind === 'migrate' ? { readMs: pick((r) => r.readMs ?? 0) } : {}),
      peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
      perRecord: pick((r) => r.targetRequests / r.records),
    };
    const what = options.kind === 'migrate' ? `migrate ${options.customers} resultset → ${options.to}` : `push ${options.customers} CSV → ${options.to}`;
    const per =
      options.to === 'propeller'
        ? `${(result.perRecord * 100).toFixed(2)} requests per 100 records (goal ≤ 1.1)`
        : options.to === 'resultset'
          ? `${(result.perRecord * 100).toFixed(2)} requests per batch of 100 (goal ≤ 1.1)`
          : `${result.perRecord.toFixed(3)} requests per record (goal ≤ 1.05)`;
    print(
      `  ${what}: median of ${options.runs} ${(result.elapsedMs / 1000).toFixed(2)} s, ${result.targetRequests} target requests, floor ${(result.floorMs / 1000).toFixed(2)} s, ` +
        `ratio ${result.ratio.toFixed(2)}× (goal ≤ 1.2); ${per}; ` +
        (result.readMs !== undefined ? `source read done at ${(result.readMs / 1000).toFixed(2)} s (overlapped); ` : '') +
        `custsync's CPU ${(result.cpuShare * 100).toFixed(0)}% of the time; its peak RSS ${result.peakRssMb.toFixed(0)} MB`,
    );
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The write goals of issue 16, one line each. */
export async function benchWrites(options: { customers: number; pushCustomers: number; latencyMs: number; concurrency: number; runs: number; targets?: string[] }): Promise<WriteBenchResult[]> {
  console.log(
    `writes: ${options.latencyMs} ms latency, concurrency ${options.concurrency}, ${availableParallelism()} cores, median of ${options.runs} runs after a warm-up ` +
      '(custsync a process of its own, start-up included; the emulators in this process)',
  );
  const results: WriteBenchResult[] = [];
  for (const to of options.targets ?? ['propeller', 'resultset', 'cabinetry', 'spiffy']) {
    results.push(await benchWrite({ kind: 'migrate', to, customers: options.customers, latencyMs: options.latencyMs, concurrency: options.concurrency, runs: options.runs }));
  }
  for (const to of ['resultset', 'cabinetry']) {
    if (options.targets && !options.targets.includes(to)) continue;
    results.push(await benchWrite({ kind: 'push', to, customers: options.pushCustomers, latencyMs: options.latencyMs, concurrency: options.concurrency, runs: options.runs }));
  }
  return results;
}
