import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { generateCustomers } from '../emulator/generator.js';
import { CsvWriter, readCsv } from '../io/csv.js';
import { writeChunk, finish } from '../io/streams.js';

/**
 * CSV → canonical → JSONL against the bare floor (csv-parse → csv-stringify
 * on the same file), with peak RSS, at two sizes to show memory stays flat.
 */
export interface FileFormsFigures {
  records: number;
  megabytes: number;
  canonicalPerSecond: number;
  barePerSecond: number;
  ratio: number;
  peakRssMb: number;
}

let peakRss = 0;
const sampler = () => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
};

async function generateCsv(path: string, count: number): Promise<void> {
  const output = createWriteStream(path);
  const writer = new CsvWriter(output);
  for (const customer of generateCustomers(count, 42)) await writer.write(customer);
  await writer.end();
  await finish(output);
}

async function canonicalPass(input: string, output: string): Promise<number> {
  const out = createWriteStream(output);
  let count = 0;
  for await (const customer of readCsv(createReadStream(input), { name: input })) {
    await writeChunk(out, `${JSON.stringify(customer)}\n`);
    count += 1;
  }
  await finish(out);
  return count;
}

async function barePass(input: string, output: string): Promise<void> {
  await pipeline(createReadStream(input), parse(), stringify(), createWriteStream(output));
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
}

export async function benchFileForms(count: number): Promise<FileFormsFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'custsync-bench-'));
  try {
    const csv = join(dir, 'in.csv');
    await generateCsv(csv, count);
    global.gc?.();
    peakRss = process.memoryUsage.rss();
    const timer = setInterval(sampler, 20);
    const bareSeconds = await timed(() => barePass(csv, join(dir, 'bare.csv')));
    const canonicalSeconds = await timed(() => canonicalPass(csv, join(dir, 'out.jsonl')));
    clearInterval(timer);
    sampler();
    return {
      records: count,
      megabytes: statSync(csv).size / 1024 / 1024,
      canonicalPerSecond: count / canonicalSeconds,
      barePerSecond: count / bareSeconds,
      ratio: bareSeconds === 0 ? 0 : canonicalSeconds / bareSeconds,
      peakRssMb: peakRss / 1024 / 1024,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
