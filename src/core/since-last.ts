import { mkdtemp, rm } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Customer } from './customer.js';
import type { Dialect, DialectContext } from './dialect.js';
import { diffStreams, type DiffKey, type DiffSink, type DiffSummary } from './diff.js';
import { takeLock, type RunLock } from './state/lock.js';
import { openState } from './state/open.js';
import { snapshotForm } from './state/snapshot-form.js';
import type { Logger } from '../ui/logger.js';
import { readJsonl } from '../io/jsonl.js';
import { finish, writeChunk } from '../io/streams.js';

/**
 * `diff --since-last` (SPEC section 1): the source now against the snapshot
 * the last `--since-last` run of the same source stored, then the new
 * snapshot replaces it. The source is read once: while it is compared, it is
 * also spooled to a temporary file, from which the snapshot is saved after the
 * comparison (the old snapshot has been read by then). The first run reports
 * every record `added`.
 */
export interface SinceLastOptions {
  source: { dialect: Dialect; ctx: DialectContext; label: string };
  stateDir: string;
  key: DiffKey;
  /** Fields left out of the comparison (`--ignore`, and the timestamps unless `--include-timestamps`); the snapshot keeps them. */
  ignore?: string[];
  sink: DiffSink;
  log: Logger;
}

export async function diffSinceLast(options: SinceLastOptions): Promise<DiffSummary> {
  const store = await openState(options.stateDir);
  let lock: RunLock | undefined;
  let dir: string | undefined;
  try {
    // One run a profile's snapshot at a time: a second would compare against a half-replaced one.
    lock = await takeLock(store, `snapshot ${options.source.label}`, 'diff --since-last', options.log);
    dir = await mkdtemp(join(tmpdir(), 'custsync-snapshot-'));
    const spool = join(dir, 'now.jsonl');
    const output = createWriteStream(spool);
    async function* now(): AsyncGenerator<Customer> {
      for await (const record of options.source.dialect.read(options.source.ctx, { where: [] })) {
        const form = snapshotForm(record);
        await writeChunk(output, `${JSON.stringify(form)}\n`);
        yield form;
      }
      await finish(output);
    }
    const summary = await diffStreams(now(), store.readSnapshot(options.source.label), { key: options.key, ignore: options.ignore }, options.sink);
    await store.saveSnapshot(options.source.label, readJsonl(createReadStream(spool), spool));
    return summary;
  } finally {
    await lock?.release();
    await store.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
