import type { Customer } from './customer.js';
import type { Dialect, DialectContext } from './dialect.js';
import type { ReadQuery } from './query.js';

/** Where pulled records go: a CSV/JSONL/JSON writer over stdout or a file. */
export interface RecordSink {
  write(record: Customer): Promise<void>;
  /** Completes the document (and, for a file, gives it its name). */
  end(): Promise<void>;
  /** The read failed: a file is dropped, so no half document is left that looks finished. */
  abort?(): Promise<void>;
}

/** Streams the source's records matching the query into the sink; returns how many were written. */
export async function pullRecords(source: { dialect: Dialect; ctx: DialectContext }, query: ReadQuery, sink: RecordSink): Promise<number> {
  let count = 0;
  try {
    for await (const record of source.dialect.read(source.ctx, query)) {
      await sink.write(record);
      count += 1;
      if (query.limit !== undefined && count >= query.limit) break;
    }
  } catch (error) {
    await sink.abort?.();
    throw error;
  }
  // Only a complete read is closed as a document (CSV header, JSON brackets): a run that
  // failed before its first record leaves an empty output, not a valid-looking empty file.
  await sink.end();
  return count;
}
