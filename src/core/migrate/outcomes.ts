import { createReadStream } from 'node:fs';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { WriteStatus } from '../dialect.js';
import { redactSecrets } from '../secrets.js';

/** What happened to one record, as the report lists it. */
export interface RecordOutcome {
  /** The record's key in the source. */
  key: string;
  status: WriteStatus;
  /** The target's id, from the target's answer or the crosswalk. */
  targetId?: string;
  /** The key the record was sent under, when a mapping changed it. */
  targetKey?: string;
  email?: string;
  reason?: string;
  /** In flight when an earlier run stopped: found on the target before sending, or sent again to a target whose upsert matches it. */
  matched?: boolean;
  /** The source had a password hash, which is never sent as a password: this customer must set a new one. */
  needsPassword?: boolean;
}

/**
 * Per-record outcomes are spooled to a temporary JSON Lines file while the
 * run goes, so that memory stays flat, and streamed into the report at the
 * end.
 */
export class OutcomeLog {
  private buffer: string[] = [];
  /** Appends run one after another, so outcomes added concurrently keep the order they were added in. */
  private writing: Promise<void> = Promise.resolve();
  private constructor(private readonly dir: string, readonly path: string) {}

  static async open(): Promise<OutcomeLog> {
    const dir = await mkdtemp(join(tmpdir(), 'custsync-outcomes-'));
    const path = join(dir, 'outcomes.jsonl');
    await writeFile(path, '');
    return new OutcomeLog(dir, path);
  }

  async add(outcome: RecordOutcome): Promise<void> {
    // Reasons come from targets, which may repeat a credential: redacted as the logs are (SPEC section 6).
    this.buffer.push(JSON.stringify(outcome.reason === undefined ? outcome : { ...outcome, reason: redactSecrets(outcome.reason) }));
    if (this.buffer.length >= 500) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const text = `${this.buffer.join('\n')}\n`;
    this.buffer = [];
    this.writing = this.writing.then(() => appendFile(this.path, text));
    await this.writing;
  }

  async *read(): AsyncGenerator<RecordOutcome> {
    await this.flush();
    const lines = createInterface({ input: createReadStream(this.path), crlfDelay: Infinity });
    for await (const line of lines) if (line) yield JSON.parse(line) as RecordOutcome;
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
