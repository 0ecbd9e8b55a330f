import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { stateIdOf } from '../core/migrate/index.js';
import { migrate } from '../core/migrate/pipeline.js';
import { openState } from '../core/state/open.js';
import { formatCounts } from '../core/summary.js';
import { resolveEndpoint, type Endpoint } from '../dialects/endpoint.js';
import { silentLogger } from '../ui/logger.js';
import { median } from './process.js';

/**
 * Benchmark: the same migration (N customers resultset → propeller, sandbox
 * emulators with injected latency, in-process) with the state in SQLite
 * (`--state DIR`) and in PostgreSQL (`--state postgres://…`, a database made
 * for each run and dropped after), alternated. Target: PostgreSQL within
 * 1.2× of SQLite. `BENCH_STATE_LATENCIES=20,0` adds a run at 0 ms latency,
 * which shows the state's own cost where nothing else hides it.
 */
export interface StateBenchOptions {
  customers?: number;
  /** Default [20]; 0 shows the state's own cost, where no latency hides it. */
  latencies?: number[];
  /** Runs of each store, alternated; the medians are compared (default 3). */
  rounds?: number;
  concurrency?: number;
  /** A database where a scratch database may be created (default: the test server on 127.0.0.1:5432). */
  adminUrl?: string;
  print?: (line: string) => void;
}

async function migrateOnce(spec: string, customers: number, latencyMs: number, concurrency: number): Promise<{ ms: number; counts: string }> {
  const common = { log: silentLogger, concurrency, file: { rawCsv: false, ignoreUnknownColumns: false } };
  const endpoints: Endpoint[] = [];
  const state = await openState(spec);
  try {
    const source = await resolveEndpoint('sandbox:resultset', { ...common, flag: '--from', sandbox: { customers, latencyMs, seed: 1 } });
    endpoints.push(source);
    const target = await resolveEndpoint('sandbox:propeller', { ...common, flag: '--to', sandbox: { customers: 0, latencyMs, seed: 2 } });
    endpoints.push(target);
    const started = performance.now();
    const result = await migrate({ source: { ...source, stateId: stateIdOf(source) }, target: { ...target, stateId: stateIdOf(target) }, state, log: silentLogger });
    const ms = performance.now() - started;
    await result.outcomes.dispose();
    if (result.error) throw result.error;
    return { ms, counts: formatCounts(result.counts) };
  } finally {
    await state.close();
    for (const endpoint of endpoints.reverse()) await endpoint.close();
  }
}

/** A database to create scratch databases in, or why there is none. */
async function findServer(candidates: string[]): Promise<{ url: string } | { skipped: string }> {
  const failures: string[] = [];
  for (const url of candidates) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      return { url };
    } catch (error) {
      failures.push(`${url}: ${(error as Error).message}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return { skipped: failures.join('; ') };
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function benchState(options: StateBenchOptions = {}): Promise<void> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const customers = options.customers ?? 10_000;
  const concurrency = options.concurrency ?? 4;
  const server = await findServer(options.adminUrl ? [options.adminUrl] : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test']);
  if ('skipped' in server) {
    print(`state bench skipped: PostgreSQL does not answer (${server.skipped})`);
    return;
  }
  const rounds = options.rounds ?? 3;
  for (const latencyMs of options.latencies ?? [20]) {
    const dir = mkdtempSync(join(tmpdir(), 'custsync-bench-state-'));
    const databases: string[] = [];
    try {
      const times = { sqlite: [] as number[], postgres: [] as number[] };
      let counts = '';
      // Alternated, each store first every other round, and the medians compared: a machine busy with
      // other work slows both alike (one round of each is a coin toss on a loaded machine).
      for (let round = 0; round < rounds; round += 1) {
        const database = `custsync_bench_${randomBytes(4).toString('hex')}`;
        await admin(server.url, `CREATE DATABASE ${database}`);
        databases.push(database);
        const url = new URL(server.url);
        url.pathname = `/${database}`;
        const order: Array<['sqlite' | 'postgres', string]> = [
          ['sqlite', join(dir, `state-${round}`)],
          ['postgres', url.toString()],
        ];
        if (round % 2 === 1) order.reverse();
        for (const [store, spec] of order) {
          const run = await migrateOnce(spec, customers, latencyMs, concurrency);
          times[store].push(run.ms);
          counts = run.counts;
        }
      }
      const sqlite = median(times.sqlite);
      const postgres = median(times.postgres);
      const each = (list: number[]) => list.map((ms) => `${Math.round(ms)}`).join(', ');
      print(`migrate resultset → propeller, ${customers} customers, ${latencyMs} ms latency, concurrency ${concurrency}: state in SQLite vs PostgreSQL (median of ${rounds}, alternated)`);
      print(`  ${counts}`);
      print(`  SQLite     ${Math.round(sqlite)} ms · ${Math.round((customers / sqlite) * 1000)} records/s (runs: ${each(times.sqlite)} ms)`);
      print(`  PostgreSQL ${Math.round(postgres)} ms · ${Math.round((customers / postgres) * 1000)} records/s (runs: ${each(times.postgres)} ms)`);
      print(`  ratio ${(postgres / sqlite).toFixed(2)}×${latencyMs > 0 ? ' (target ≤ 1.2×)' : ' (no latency: the state alone, no target)'}`);
    } finally {
      for (const database of databases) await admin(server.url, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await rm(dir, { recursive: true, force: true });
    }
  }
}
