import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flatten, readPartitions } from '../core/read/engine.js';
import { idWindowPlan, type IdWindowSource } from '../core/read/id-windows.js';
import { dialects } from '../dialects/registry.js';
import type { EmulatorHandle, EmulatorOptions } from '../emulator/types.js';
import type { Profile } from '../profiles/schema.js';
import { cliPath as cli, median, probeUrl as probe, runNode } from './process.js';
import { hasNaiveLoop, type NaiveResult } from './read-naive.js';

/**
 * `npm run bench`, reads (issue 10): `custsync pull` as a whole process
 * (start-up included) against each emulator with injected latency, compared
 * in the same run with a plain sequential page loop over the same emulator;
 * the read phase against the floor `requests × latency / concurrency`; the
 * start-up of `custsync --version`; Spiffy's X-Ratelimit window and a
 * profile rateLimit as the emulator counted them; the peak RSS of a large
 * pull. Figures, not assertions.
 */
export interface ReadBenchOptions {
  customers?: number;
  latencyMs?: number;
  concurrencies?: number[];
  dialects?: string[];
  /** Customers of the memory and Spiffy-window run. */
  bigCustomers?: number;
  /** Timed rounds per dialect (custsync and the page loop taking turns); medians are printed (default 3). */
  runs?: number;
  print?: (line: string) => void;
}

const naiveScript = fileURLToPath(new URL('./read-naive.js', import.meta.url));
/** Page sizes as a user's profile would have them: each API's largest, ResultSet's default. */
const pageSizes: Record<string, number> = { spiffy: 50, cabinetry: 100, resultset: 100, propeller: 100 };

const ms = (n: number) => `${Math.round(n)} ms`;
const fixed = (n: number, digits = 2) => n.toFixed(digits);

/** The page loop in a process of its own (timed inside it: Node's own start-up is not counted against it). */
async function naive(dialect: string, profile: Profile, pageSize: number, stopAfter?: number): Promise<NaiveResult> {
  const result = await runNode([naiveScript, dialect, JSON.stringify(profile), String(pageSize), ...(stopAfter === undefined ? [] : [String(stopAfter)])]);
  if (result.code !== 0) throw new Error(`the page loop over ${dialect} failed: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout) as NaiveResult;
}

/** An emulator of `dialect` whose answers are timed (the read phase is measured from them). */
async function emulator(dialect: string, options: EmulatorOptions & Record<string, unknown>): Promise<{ handle: EmulatorHandle; replies: number[] }> {
  const replies: number[] = [];
  const handle = await dialects[dialect].emulator!.start({ seed: 1, ...options, log: () => replies.push(performance.now()) });
  return { handle, replies };
}

function profilesFile(dir: string, profile: Profile): string {
  const path = join(dir, 'profiles.json');
  writeFileSync(path, JSON.stringify({ profiles: { shop: profile } }));
  return path;
}

function lines(path: string): number {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').length;
  } catch {
    return 0;
  }
}

/**
 * The engine alone: keyset id windows over an in-memory list whose every
 * answer takes `latencyMs`, with nothing to parse or map. Shows how close
 * the scheduling comes to `requests × latency / concurrency` when the
 * client's own work is not what sets the pace.
 */
async function engineAlone(customers: number, latencyMs: number, concurrency: number): Promise<{ ms: number; requests: number; floor: number }> {
  const ids = Array.from({ length: customers }, (_, i) => 1001 + i);
  let requests = 0;
  const answer = <T>(value: () => T) =>
    new Promise<T>((resolve) => {
      requests += 1;
      setTimeout(() => resolve(value()), latencyMs);
    });
  const firstAbove = (after: number) => ids.findIndex((id) => id > after);
  const from = (after: number) => (firstAbove(after) === -1 ? ids.length : firstAbove(after));
  const source: IdWindowSource<number> = {
    name: 'in-memory list',
    pageSize: 50,
    keyOf: (id) => id,
    fetch: (after) => answer(() => {
      const items = ids.slice(from(after), from(after) + 50);
      return { items, complete: items.length < 50 };
    }),
    count: (after, _first, gate) => gate.run(() => answer(() => ids.length - from(after))),
    keyAt: (after, index) => answer(() => ids[from(after) + index]),
  };
  const started = performance.now();
  let read = 0;
  for await (const id of flatten(readPartitions(idWindowPlan(source, { after: 0, concurrency }), { concurrency }))) read += id > 0 ? 1 : 0;
  if (read !== customers) throw new Error(`the engine read ${read} of ${customers}`);
  return { ms: performance.now() - started, requests, floor: (requests * latencyMs) / concurrency };
}

export async function benchRead(options: ReadBenchOptions = {}): Promise<void> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const customers = options.customers ?? 5000;
  const latencyMs = options.latencyMs ?? 20;
  const concurrencies = options.concurrencies ?? [4, 8];
  const ids = (options.dialects ?? ['spiffy', 'cabinetry', 'resultset', 'propeller']).filter((id) => dialects[id]?.emulator && hasNaiveLoop(id));
  const dir = mkdtempSync(join(tmpdir(), 'custsync-bench-read-'));
  try {
    print(
      `machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'cpu'}), Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} ` +
        `(the emulators run in this process, custsync and the page loop each in a process of their own)`,
    );

    // Start-up: the CLI's own cost on every run.
    const versions: number[] = [];
    for (let i = 0; i < 7; i += 1) versions.push((await runNode([cli, '--version'])).ms);
    versions.sort((a, b) => a - b);
    print(`start-up: custsync --version ${ms(versions[3])} (median of 7; fastest ${ms(versions[0])}; target < 150 ms)`);

    for (const concurrency of concurrencies) {
      const engine = await engineAlone(customers, latencyMs, concurrency);
      print(
        `read engine alone, ${customers} ids in pages of 50, ${latencyMs} ms an answer, concurrency ${concurrency}: ${ms(engine.ms)} for ${engine.requests} requests, ` +
          `${fixed(engine.ms / engine.floor)}× requests × latency / concurrency`,
      );
    }

    const runs = Math.max(1, options.runs ?? 3);
    print(
      `pull, ${customers} customers, ${latencyMs} ms latency: custsync (whole process) vs a sequential page loop; ` +
        `both warmed up, then ${runs} rounds taking turns (the order flips every round), medians`,
    );
    for (const id of ids) {
      const pageSize = pageSizes[id];
      const { handle, replies } = await emulator(id, { customers, latencyMs, rateLimit: { limit: 1_000_000_000 } });
      try {
        const profile: Profile = { ...handle.profile, pageSize };
        const file = profilesFile(dir, profile);
        const pull = async (concurrency: number, limit?: number) => {
          const out = join(dir, `${id}-${concurrency}.jsonl`);
          const cpuFile = join(dir, 'cpu');
          const before = handle.stats().requests;
          const mark = replies.length;
          const result = await runNode(['--import', probe,
            cli, 'pull', '--from', 'shop', '--profiles', file, '--format', 'jsonl', '-o', out, '--force', '--concurrency', String(concurrency), '--quiet',
            ...(limit === undefined ? [] : ['--limit', String(limit)]),
          ], { CUSTSYNC_BENCH_CPU: cpuFile });
          const cpuMs = Number(readFileSync(cpuFile, 'utf8')) / 1000;
          const requests = handle.stats().requests - before;
          // From the first request's start (its answer less the latency) to the last answer.
          const phase = replies[replies.length - 1] - replies[mark] + latencyMs;
          return { ...result, requests, phase, cpuMs, read: lines(out) };
        };
        // Warm-up: the disk cache, the emulator's JIT, both sides' first connections.
        const warm = Math.min(customers, pageSize * 10);
        await naive(id, profile, pageSize, warm);
        await pull(concurrencies[0], warm);

        const loopMs: number[] = [];
        let loop: NaiveResult | undefined;
        const loopCpu: number[] = [];
        const byConcurrency = new Map<number, Array<{ ms: number; phase: number; requests: number; cpuMs: number }>>(concurrencies.map((c) => [c, []]));
        const failures: string[] = [];
        for (let round = 0; round < runs; round += 1) {
          const turns: Array<number | 'loop'> = ['loop', ...concurrencies];
          if (round % 2 === 1) turns.reverse();
          for (const turn of turns) {
            if (turn === 'loop') {
              loop = await naive(id, profile, pageSize);
              loopMs.push(loop.ms);
              if (loop.cpuMs !== undefined) loopCpu.push(loop.cpuMs);
              continue;
            }
            const result = await pull(turn);
            if (result.code !== 0 || result.read !== customers) {
              failures.push(`concurrency ${turn}: exit ${result.code}, ${result.read} customers: ${result.stderr.trim().split('\n').slice(-2).join(' / ')}`);
              continue;
            }
            byConcurrency.get(turn)!.push({ ms: result.ms, phase: result.phase, requests: result.requests, cpuMs: result.cpuMs });
          }
        }
        const loopMedian = median(loopMs);
        print(
          `  ${id}: page loop ${ms(loopMedian)} (runs ${loopMs.map(ms).join(', ')}) for ${loop!.records} customers in ${loop!.requests} requests, ` +
            `CPU ${loopCpu.length > 0 ? ms(median(loopCpu)) : '?'}; load average now ${loadavg()[0].toFixed(1)}`,
        );
        for (const failure of failures) print(`    FAILED ${failure}`);
        for (const concurrency of concurrencies) {
          const results = byConcurrency.get(concurrency)!;
          if (results.length === 0) continue;
          const whole = median(results.map((r) => r.ms));
          const phase = median(results.map((r) => r.phase));
          const requests = median(results.map((r) => r.requests));
          const floor = (requests * latencyMs) / concurrency;
          const goal = concurrency >= 8 ? 5 : 3;
          print(
            `    concurrency ${concurrency}: ${ms(whole)} (runs ${results.map((r) => ms(r.ms)).join(', ')}) · ${fixed(loopMedian / whole, 1)}× the page loop (goal ≥ ${goal}×) · ` +
              `read phase ${ms(phase)} for ${requests} requests, ${fixed(phase / floor)}× requests × latency / concurrency (goal ≤ 1.3) · ` +
              `CPU ${ms(median(results.map((r) => r.cpuMs)))} (${fixed((1000 * median(results.map((r) => r.cpuMs))) / customers, 0)} µs a customer, start-up included)`,
          );
        }
      } finally {
        await handle.close();
      }
    }

    // A profile rateLimit is a ceiling: the emulator counts the most calls in any one second.
    {
      const rateLimit = { perSecond: 40, burst: 8 };
      const { handle } = await emulator('cabinetry', { customers: 3000, latencyMs });
      try {
        const file = profilesFile(dir, { ...handle.profile, pageSize: 50, rateLimit });
        const result = await runNode([cli, 'pull', '--from', 'shop', '--profiles', file, '--format', 'jsonl', '-o', join(dir, 'rate.jsonl'), '--concurrency', '8', '--quiet']);
        const stats = handle.stats();
        print(
          `profile rateLimit ${rateLimit.perSecond}/s, burst ${rateLimit.burst}, concurrency 8 (cabinetry, ${stats.requests} calls, exit ${result.code}): ` +
            `at most ${stats.peakPerSecond} calls in any second (ceiling ${rateLimit.perSecond + rateLimit.burst})`,
        );
      } finally {
        await handle.close();
      }
    }

    // Memory and Spiffy's X-Ratelimit: a large pull at concurrency 8 against the platform's 500-call window
    // (its 300 s period shortened so that the run shows several windows).
    {
      const big = options.bigCustomers ?? 50_000;
      const window = { limit: 500, periodSeconds: 6 };
      const { handle } = await emulator('spiffy', { customers: big, latencyMs, rateLimit: window });
      try {
        const file = profilesFile(dir, { ...handle.profile, pageSize: 50 });
        const rssFile = join(dir, 'rss');
        const out = join(dir, 'big.jsonl');
        const result = await runNode(['--import', probe, cli, 'pull', '--from', 'shop', '--profiles', file, '--format', 'jsonl', '-o', out, '--concurrency', '8', '--quiet'], {
          CUSTSYNC_BENCH_RSS: rssFile,
        });
        const rss = Number(readFileSync(rssFile, 'utf8')) / 1024;
        const spiffy = handle as EmulatorHandle & { windows(): Array<{ used: number; refused: number }>; rateLimited(): number };
        print(`spiffy pull of ${big} customers, concurrency 8, exit ${result.code}, ${lines(out)} written in ${ms(result.ms)}: peak RSS ${fixed(rss, 0)} MB (target < 300 MB)`);
        const windows = spiffy.windows();
        print(
          `  X-Ratelimit ${window.limit} calls / ${window.periodSeconds} s: ${spiffy.rateLimited()} × 429; calls per window ` +
            windows.map((w, i) => `${w.used}${i === windows.length - 1 ? ' (last, partial)' : ` (${fixed((100 * w.used) / window.limit, 0)}%)`}`).join(', '),
        );
      } finally {
        await handle.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
