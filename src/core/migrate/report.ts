import { openOutputFile } from '../../io/atomic-file.js';
import { writeChunk } from '../../io/streams.js';
import { redactSecrets } from '../secrets.js';
import type { MigrateResult } from './pipeline.js';

/**
 * `--report FILE`: one JSON document with the run, the counts (the same as
 * the summary line), durations, the fields the target could not hold, the
 * per-record outcomes with crosswalk ids, and the customers who will need to
 * set a password. Written streaming: records are read back from the outcome
 * log, never held in memory.
 */
export async function writeReport(path: string, result: MigrateResult, force = false): Promise<void> {
  const file = await openOutputFile(path, { what: 'report file', force });
  try {
    await writeDocument(file.stream, result);
    await file.commit();
  } finally {
    await file.abort();
  }
}

async function writeDocument(output: NodeJS.WritableStream, result: MigrateResult): Promise<void> {
  const head = {
    run: result.run
      ? { id: result.run.id, source: result.source, target: result.target, status: result.status, resumed: result.resumed, startedAt: result.startedAt, finishedAt: result.finishedAt }
      : { source: result.source, target: result.target, status: result.status, resumed: false, startedAt: result.startedAt, finishedAt: result.finishedAt },
    dryRun: result.dryRun,
    counts: result.counts,
    durations: result.durations,
    requests: result.requests,
    fieldsNotHeld: Object.fromEntries([...result.lostFields.entries()].sort(([a], [b]) => a.localeCompare(b))),
    error: result.error ? redactSecrets((result.error as Error).message ?? String(result.error)) : undefined,
  };
  const json = JSON.stringify(head, null, 2);
  await writeChunk(output, `${json.slice(0, -2)},\n  "records": [`);
  let first = true;
  for await (const outcome of result.outcomes.read()) {
    await writeChunk(output, `${first ? '\n' : ',\n'}    ${JSON.stringify(outcome)}`);
    first = false;
  }
  await writeChunk(output, `${first ? '' : '\n  '}],\n  "passwordResets": [`);
  first = true;
  for await (const outcome of result.outcomes.read()) {
    if (!outcome.needsPassword || (outcome.status !== 'created' && outcome.status !== 'updated' && outcome.status !== 'unchanged')) continue;
    await writeChunk(output, `${first ? '\n' : ',\n'}    ${JSON.stringify({ key: outcome.key, email: outcome.email, targetId: outcome.targetId })}`);
    first = false;
  }
  await writeChunk(output, `${first ? '' : '\n  '}]\n}\n`);
}
