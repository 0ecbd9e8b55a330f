import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FileOptions } from '../core/dialect.js';
import { readCsv } from './csv.js';
import { readJsonl } from './jsonl.js';
import { openInput } from './streams.js';
import { findDuplicates } from '../core/duplicates.js';
import type { Customer } from '../core/customer.js';

/**
 * Reads a whole input file once before anything is sent, so that a file that
 * is not CSV/JSONL at all ends the run with exit 2 and nothing sent (a line
 * whose cells do not validate is left to be rejected, with
 * `file.rejectInvalid`), and records repeating an
 * earlier key or email are known before the first is sent. Stdin is first
 * spooled to a temporary file, which is what lets it be read twice. Memory
 * stays flat: records are counted, not kept.
 */
export interface CheckedInput {
  /** A file path that can be read again. */
  path: string;
  /** For messages: the path, or "stdin". */
  label: string;
  count: number;
  /** Lines whose cells do not validate (rejected when sent). */
  invalid: number;
  /** Position (0-based) → why that record repeats an earlier one. */
  duplicates: Map<number, string>;
  cleanup(): Promise<void>;
}

export interface CheckInputOptions {
  path: string;
  format: 'csv' | 'jsonl';
  file: FileOptions;
  stdin?: NodeJS.ReadableStream;
  /**
   * Reads the (spooled) file in another form than canonical CSV or JSONL (a
   * platform's export); called once, with the path that can be read.
   */
  read?: (path: string, label: string) => AsyncIterable<Customer>;
}

export async function checkInput(options: CheckInputOptions): Promise<CheckedInput> {
  let path = options.path;
  let cleanup = async (): Promise<void> => undefined;
  const label = path === '-' ? 'stdin' : path;
  if (path === '-') {
    const dir = await mkdtemp(join(tmpdir(), 'custsync-stdin-'));
    path = join(dir, `stdin.${options.format}`);
    await pipeline(options.stdin ?? process.stdin, createWriteStream(path));
    cleanup = () => rm(dir, { recursive: true, force: true });
  }
  try {
    const { encoding, delimiter, ignoreUnknownColumns, rejectInvalid } = options.file;
    const open = () => openInput(path, 'input file');
    const records = options.read
      ? options.read(path, label)
      : options.format === 'jsonl'
        ? readJsonl(await open(), label, { ignoreUnknownColumns, rejectInvalid })
        : readCsv(await open(), { name: label, ignoreUnknownColumns, rejectInvalid, encoding, delimiter });
    const { count, invalid, duplicates } = await findDuplicates(records);
    return { path, label, count, invalid, duplicates, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
