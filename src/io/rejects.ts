import type { WriteResult } from '../core/dialect.js';
import { invalidInput } from '../core/invalid-input.js';
import { redactSecrets } from '../core/secrets.js';
import { openOutputFile } from './atomic-file.js';
import { CsvWriter } from './csv.js';
import { writeChunk } from './streams.js';

/**
 * The rejects file (SPEC section 1): the canonical columns plus a leading
 * `reason` column (CSV), or the canonical object with a `reason` field
 * (JSONL). It can be fixed by hand and pushed again: a line of the input that
 * was rejected for its cells is written as it was read (when the rejects file
 * has the input's form), bad cells included. Reasons pass the same secret
 * redaction as the logs (SPEC section 6): a target that repeats an API key in
 * its error message does not put the key into the file.
 */
export interface RejectsSink {
  add(result: WriteResult): Promise<void>;
  /** Completes the file and gives it its name; also after a run that stopped (what was rejected is known). */
  close(): Promise<void>;
  readonly count: number;
}

export async function openRejects(path: string, format: 'csv' | 'jsonl', raw = false, force = false): Promise<RejectsSink> {
  const file = await openOutputFile(path, { what: 'rejects file', force });
  const output = file.stream;
  let count = 0;
  const reasonOf = (result: WriteResult) => redactSecrets(result.reason ?? result.status);
  if (format === 'jsonl') {
    return {
      get count() {
        return count;
      },
      async add(result) {
        count += 1;
        const line = invalidInput(result.record)?.raw;
        const fields = line?.form === 'jsonl' ? withoutReason(line.value) : result.record;
        await writeChunk(output, `${JSON.stringify({ reason: reasonOf(result), ...fields })}\n`);
      },
      close: () => file.commit(),
    };
  }
  const writer = new CsvWriter(output, { raw, leading: ['reason'] });
  return {
    get count() {
      return count;
    },
    async add(result) {
      count += 1;
      const line = invalidInput(result.record)?.raw;
      if (line?.form === 'csv') await writer.writeRow({ ...line.row, reason: reasonOf(result) });
      else await writer.write(result.record, { reason: reasonOf(result) });
    },
    async close() {
      await writer.end();
      await file.commit();
    },
  };
}

function withoutReason(value: Record<string, unknown>): Record<string, unknown> {
  const { reason: _reason, ...rest } = value;
  return rest;
}
