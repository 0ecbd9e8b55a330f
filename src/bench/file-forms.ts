import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { readCsv, writeCsv } from '../io/csv.js';
import { readJsonl } from '../io/jsonl.js';
import { ChunkedWriter } from '../io/chunked-writer.js';
import { finish } from '../io/streams.js';
import { writeGeneratedCsv } from './generated-csv.js';
import { median } from './process.js';

/**
 * CSV → canonical → JSONL against the bare floor (csv-parse → csv-stringify
 * on the same file) and back (JSONL → canonical → CSV), with peak RSS, at
 * two sizes to show memory stays flat.
 */
export interface FileFormsFigures {
  records: number;
  megabytes: number;
  canonicalPerSecond: number;
  barePerSecond: number;
  /** CSV → canonical → JSONL time over the bare pass's. */
  ratio: number;
  /** JSONL → canonical → CSV time over the bare pass's. */
  backRatio: number;
  /** The same two ratios in CPU time (user + system of the process): steadier than wall time on a busy machine. */
  cpuRatio: number;
  cpuBackRatio: number;
  peakRssMb: number;
}

let peakRss = 0;
const sampler = () => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
};

async function canonicalPass(input: string, output: string): Promise<number> {
  const out = createWriteStream(output);
  const chunked = new ChunkedWriter(out);
  let count = 0;
  for await (const customer of readCsv(createReadStream(input), { name: input })) {
    await chunked.write(`${JSON.stringify(customer)}\n`);
    count += 1;
  }
  await chunked.flush();
  await finish(out);
  return count;
}

async function backPass(input: string, output: string): Promise<number> {
  const out = createWriteStream(output);
  const count = await writeCsv(readJsonl(createReadStream(input), input), out);
  await finish(out);
  return count;
}

async function barePass(input: string, output: string): Promise<void> {
  await pipeline(createReadStream(input), parse(), stringify(), createWriteStream(output));
}

/** Wall and CPU seconds of a pass. */
async function timed(run: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  await run();
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 };
}


/**
 * Warms both passes up, then alternates them (bare, canonical, back, bare,
 * …) `runs` times and takes the medians, so neither side gains from running
 * first or second on a warmed cache.
 */
export async function benchFileForms(count: number, runs = 3): Promise<FileFormsFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'custsync-bench-'));
  try {
    const csv = join(dir, 'in.csv');
    await writeGeneratedCsv(csv, count, 42);
    const jsonl = join(dir, 'out.jsonl');
    await barePass(csv, join(dir, 'bare.csv'));
    await canonicalPass(csv, jsonl);
    await backPass(jsonl, join(dir, 'back.csv'));
    global.gc?.();
    peakRss = process.memoryUsage.rss();
    const timer = setInterval(sampler, 20);
    const bare: Array<{ wall: number; cpu: number }> = [];
    const there: Array<{ wall: number; cpu: number }> = [];
    const back: Array<{ wall: number; cpu: number }> = [];
    for (let i = 0; i < runs; i += 1) {
      bare.push(await timed(() => barePass(csv, join(dir, 'bare.csv'))));
      there.push(await timed(() => canonicalPass(csv, jsonl)));
      back.push(await timed(() => backPass(jsonl, join(dir, 'back.csv'))));
    }
    clearInterval(timer);
    sampler();
    const wall = (passes: Array<{ wall: number }>) => median(passes.map((p) => p.wall));
    const cpu = (passes: Array<{ cpu: number }>) => median(passes.map((p) => p.cpu));
    const bareSeconds = wall(bare);
    const canonicalSeconds = wall(there);
    const backSeconds = wall(back);
    return {
      records: count,
      megabytes: statSync(csv).size / 1024 / 1024,
      canonicalPerSecond: count / canonicalSeconds,
      barePerSecond: count / bareSeconds,
      ratio: canonicalSeconds / bareSeconds,
      backRatio: backSeconds / bareSeconds,
      cpuRatio: cpu(there) / cpu(bare),
      cpuBackRatio: cpu(back) / cpu(bare),
      peakRssMb: peakRss / 1024 / 1024,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
