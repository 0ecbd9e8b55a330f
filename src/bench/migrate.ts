import { rm } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../core/migrate/pipeline.js';
import { stateIdOf } from '../core/migrate/index.js';
import { openState } from '../core/state/open.js';
import { formatCounts } from '../core/summary.js';
import { resolveEndpoint, type Endpoint } from '../dialects/endpoint.js';
import { dialects } from '../dialects/registry.js';
import { silentLogger } from '../ui/logger.js';

/**
 * Benchmark: migrate N customers sandbox → sandbox with injected latency,
 * over two registered remote dialects, in-process (state in a temporary
 * directory). Prints records/s, the requests each side received (and the
 * target's per 1,000 customers), and the ratio of the elapsed time to the
 * floor `requests × latency / concurrency`
 * (1.0 would mean no time was lost beyond the latency itself).
 */
export interface MigrateBenchOptions {
  customers?: number;
  latencyMs?: number;
  concurrency?: number;
  /** Dialect ids; default the first two registered remote dialects. */
  from?: string;
  to?: string;
  print?: (line: string) => void;
}

export interface MigrateBenchResult {
  skipped?: string;
  from?: string;
  to?: string;
  records?: number;
  elapsedMs?: number;
  recordsPerSecond?: number;
  requests?: { source: number; target: number };
  /** Requests the target received per 1,000 customers migrated: the figure the batch sizes set. */
  targetRequestsPer1000?: number;
  floorMs?: number;
  ratioToFloor?: number;
}

export async function benchMigrate(options: MigrateBenchOptions = {}): Promise<MigrateBenchResult> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const remote = Object.values(dialects).filter((d) => d.emulator).map((d) => d.id);
  const from = options.from ?? remote[0];
  const to = options.to ?? remote.find((id) => id !== from);
  if (!from || !to) {
    const skipped = `migrate bench skipped: needs two remote dialects with emulators, ${remote.length} registered`;
    print(skipped);
    return { skipped };
  }
  const customers = options.customers ?? 10_000;
  const latencyMs = options.latencyMs ?? 20;
  const concurrency = options.concurrency ?? 4;
  const file = { rawCsv: false, ignoreUnknownColumns: false };
  const common = { log: silentLogger, concurrency, file };
  const dir = mkdtempSync(join(tmpdir(), 'custsync-bench-'));
  const endpoints: Endpoint[] = [];
  const state = await openState(dir);
  try {
    const source = await resolveEndpoint(`sandbox:${from}`, { ...common, flag: '--from', sandbox: { customers, latencyMs, seed: 1 } });
    endpoints.push(source);
    const target = await resolveEndpoint(`sandbox:${to}`, { ...common, flag: '--to', sandbox: { customers: 0, latencyMs, seed: 2 } });
    endpoints.push(target);
    let peakRss = process.memoryUsage.rss();
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }, 50);
    const started = performance.now();
    const result = await migrate({
      source: { ...source, stateId: stateIdOf(source) },
      target: { ...target, stateId: stateIdOf(target) },
      state,
      log: silentLogger,
    });
    const elapsedMs = performance.now() - started;
    clearInterval(sampler);
    await result.outcomes.dispose();
    if (result.error) throw result.error;
    const requests = { source: source.emulator!.stats().requests, target: target.emulator!.stats().requests };
    const floorMs = ((requests.source + requests.target) * latencyMs) / concurrency;
    const out: MigrateBenchResult = {
      from,
      to,
      records: result.counts.read,
      elapsedMs: Math.round(elapsedMs),
      recordsPerSecond: Math.round((result.counts.read / elapsedMs) * 1000),
      requests,
      targetRequestsPer1000: Number(((requests.target / Math.max(1, result.counts.read)) * 1000).toFixed(1)),
      floorMs: Math.round(floorMs),
      ratioToFloor: Number((elapsedMs / floorMs).toFixed(2)),
    };
    print(`migrate ${from} → ${to}: ${customers} customers, ${latencyMs} ms latency, concurrency ${concurrency}`);
    print(`  ${formatCounts(result.counts)}`);
    print(`  ${out.elapsedMs} ms · ${out.recordsPerSecond} records/s · requests: source ${requests.source}, target ${requests.target}`);
    print(`  target requests per 1,000 customers: ${out.targetRequestsPer1000} (${to})`);
    print(`  floor (requests × latency / concurrency) ${out.floorMs} ms · ratio ${out.ratioToFloor}`);
    print(`  peak RSS ${Math.round(peakRss / 1024 / 1024)} MB (both emulators and their ${customers} customers included)`);
    return out;
  } finally {
    await state.close();
    for (const endpoint of endpoints.reverse()) await endpoint.close();
    await rm(dir, { recursive: true, force: true });
  }
}
