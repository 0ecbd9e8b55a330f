import { createWriteStream } from 'node:fs';
import { generateCustomers } from '../emulator/generator.js';
import { CsvWriter } from '../io/csv.js';
import { finish } from '../io/streams.js';

/** A canonical CSV file of `count` generated customers: same seed, same file. */
export async function writeGeneratedCsv(path: string, count: number, seed: number): Promise<void> {
  const output = createWriteStream(path);
  const writer = new CsvWriter(output);
  for (const customer of generateCustomers(count, seed)) await writer.write(customer);
  await writer.end();
  await finish(output);
}
