import type { WriteResult } from '../core/dialect.js';
import { CsvWriter } from './csv.js';
import { finish, openOutput, writeChunk } from './streams.js';

/**
 * The rejects file (SPEC section 1): the canonical columns plus a leading
 * `reason` column (CSV), or the canonical object with a `reason` field
 * (JSONL). It can be fixed by hand and pushed again.
 */
export interface RejectsSink {
  add(result: WriteResult): Promise<void>;
  close(): Promise<void>;
  readonly count: number;
}

export async function openRejects(path: string, format: 'csv' | 'jsonl', raw = false): Promise<RejectsSink> {
  const output = await openOutput(path, 'rejects file');
  let count = 0;
  if (format === 'jsonl') {
    return {
      get count() { return count; },
      async add(result) {
        count += 1;
        await writeChunk(output, `${JSON.stringify({ reason: result.reason ?? result.status, ...result.record })}\n`);
      },
      close: () => finish(output),
    };
  }
  const writer = new CsvWriter(output, { raw, leading: ['reason'] });
  return {
    get count() { return count; },
    async add(result) {
      count += 1;
      await writer.write(result.record, { reason: result.reason ?? result.status });
    },
    async close() {
      await writer.end();
      await finish(output);
    },
  };
}
