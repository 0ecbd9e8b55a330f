import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dialects } from '../dialects/registry.js';
import type { EmulatorHandle, EmulatorOptions } from '../emulator/types.js';
import { cliPath, runNode, type ProcessRun } from './process.js';

/**
 * `npm run bench`, incremental migrations (issue 14): N Spiffy customers
 * migrated to ResultSet by `custsync migrate --incremental` as a whole
 * process, then 10 changed and 3 added in the shop, then the incremental
 * run, then one straight after. Prints the requests each run made to the
 * source and the records written, as the emulators counted them, and what
 * the full read would take within Spiffy's real limit (500 calls per 300 s).
 * Figures, not assertions.
 */
export interface IncrementalBenchOptions {
  customers?: number;
  print?: (line: string) => void;
}

export interface IncrementalRun {
  ms: number;
  summary: string;
  sourceRequests: number;
  targetWrites: number;
}

function migrate(args: string[]): Promise<ProcessRun> {
  return runNode([cliPath, 'migrate', ...args]);
}

async function start(dialect: string, options: EmulatorOptions & Record<string, unknown>): Promise<EmulatorHandle> {
  return dialects[dialect].emulator!.start({ seed: 1, ...options });
}

/** Changes made in the shop by its own users, over its API. */
async function shopEdit(shop: EmulatorHandle, method: string, path: string, customer: Record<string, unknown>): Promise<void> {
  const token = (shop.profile.auth as { token: string }).token;
  const response = await fetch(`${shop.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ customer }) });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}`);
}

export async function benchIncremental(options: IncrementalBenchOptions = {}): Promise<IncrementalRun[]> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const customers = options.customers ?? 50_000;
  const dir = mkdtempSync(join(tmpdir(), 'custsync-bench-incremental-'));
  // The emulator's window is lifted so that the figure is requests, not waits; the real one is applied below.
  const shop = await start('spiffy', { customers, rateLimit: { limit: 1_000_000_000 } });
  const target = await start('resultset', { customers: 0, seed: 2 });
  try {
    const profiles = join(dir, 'profiles.json');
    writeFileSync(profiles, JSON.stringify({ profiles: { shop: { ...shop.profile, pageSize: 50 }, newshop: target.profile } }));
    const runs: IncrementalRun[] = [];
    const once = async (): Promise<IncrementalRun> => {
      const before = { source: shop.stats().requests, writes: target.stats().writes };
      const result = await migrate(['--from', 'shop', '--to', 'newshop', '--profiles', profiles, '--state', join(dir, 'state'), '--incremental', '--quiet']);
      if (result.code !== 0) throw new Error(`migrate --incremental exited ${result.code}: ${result.stderr.trim()}`);
      const run = { ms: result.ms, summary: result.stderr.trim().split('\n').pop() ?? '', sourceRequests: shop.stats().requests - before.source, targetWrites: target.stats().writes - before.writes };
      runs.push(run);
      return run;
    };

    print(`migrate --incremental spiffy → resultset, ${customers} customers, no latency (requests as the emulators counted them)`);
    const full = await once();
    print(`  first run (full):        ${full.sourceRequests} requests to the source, ${full.targetWrites} write requests, ${Math.round(full.ms)} ms`);
    print(`    ${full.summary}`);
    // 10 changed and 3 added, by the shop's own users.
    const listed = (await (await fetch(`${shop.url}/api/customers.json?limit=50&fields=id`, { headers: { authorization: `Bearer ${(shop.profile.auth as { token: string }).token}` } })).json()) as {
      customers: Array<{ id: number }>;
    };
    for (const { id } of listed.customers.slice(0, 10)) await shopEdit(shop, 'PUT', `/api/customers/${id}.json`, { id, last_name: `Changed${id}` });
    for (let i = 0; i < 3; i += 1) await shopEdit(shop, 'POST', '/api/customers.json', { first_name: 'New', last_name: `Customer${i}`, email: `new-${i}@bench.example.com` });
    const incremental = await once();
    print(`  10 changed, 3 added:     ${incremental.sourceRequests} requests to the source, ${incremental.targetWrites} write requests, ${Math.round(incremental.ms)} ms`);
    print(`    ${incremental.summary}`);
    const after = await once();
    print(`  straight after:          ${after.sourceRequests} requests to the source, ${after.targetWrites} write requests, ${Math.round(after.ms)} ms`);
    print(`    ${after.summary}`);
    // Spiffy allows 500 calls per 300 s: what the two reads cost in that window.
    const window = (requests: number) => Math.max(0, Math.ceil(requests / 500) - 1) * 300;
    print(
      `  within Spiffy's 500 calls per 300 s: the full read waits about ${Math.round(window(full.sourceRequests) / 60)} min for rate windows, ` +
        `the incremental one ${window(incremental.sourceRequests)} s; ratio of requests ${(full.sourceRequests / Math.max(1, incremental.sourceRequests)).toFixed(0)}×`,
    );
    return runs;
  } finally {
    await shop.close();
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
