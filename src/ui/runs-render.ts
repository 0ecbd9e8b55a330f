import type { RunInfo, RunRecord, RunState } from '../core/state/runs-query.js';
import { labelOf } from '../core/state/runs-query.js';
import { formatCounts } from '../core/summary.js';
import { writeChunk } from '../io/streams.js';
import { formatDuration } from './rate.js';
import { palette, visibleLength, type Palette } from './terminal.js';

/** `custsync runs` and `runs show ID` as text for a person, or JSON for a script. */

function when(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

function stateText(state: RunState, paint: Palette): string {
  if (state === 'done') return paint.green(state);
  if (state === 'failed') return paint.red(state);
  if (state === 'killed-resumable') return paint.yellow(state);
  if (state === 'running') return paint.cyan(state);
  return paint.dim(state);
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}

export async function renderRunList(runs: RunInfo[], output: NodeJS.WritableStream, colour: boolean): Promise<void> {
  const paint = palette(colour);
  const rows = runs.map((run) => [
    String(run.id),
    stateText(run.state, paint),
    when(run.startedAt),
    run.durationMs === undefined ? '' : formatDuration(run.durationMs),
    `${run.command} ${labelOf(run.source)} → ${labelOf(run.target)}`,
    formatCounts(run.counts),
  ]);
  const head = ['ID', 'STATE', 'STARTED', 'DURATION', 'RUN', 'COUNTS'];
  const widths = head.map((title, i) => Math.max(visibleLength(title), ...rows.map((row) => visibleLength(row[i]))));
  const line = (cells: string[]) => `${cells.map((cell, i) => (i === cells.length - 1 ? cell : pad(cell, widths[i]))).join('  ')}\n`;
  await writeChunk(output, line(head));
  for (const [i, run] of runs.entries()) {
    await writeChunk(output, line(rows[i]));
    if (run.resume) await writeChunk(output, `${' '.repeat(widths[0] + 2)}${paint.dim('resume:')} ${run.resume}\n`);
  }
}

export async function renderRun(run: RunInfo, records: AsyncIterable<RunRecord>, output: NodeJS.WritableStream, colour: boolean): Promise<void> {
  const paint = palette(colour);
  const field = (name: string, value: string | undefined) => (value ? writeChunk(output, `  ${paint.dim(name.padEnd(9))}${value}\n`) : undefined);
  await writeChunk(output, `run #${run.id} · ${run.command} · ${stateText(run.state, paint)}\n`);
  await field('source', run.source);
  await field('target', run.target);
  await field('started', when(run.startedAt));
  await field('finished', when(run.finishedAt));
  await field('duration', run.durationMs === undefined ? undefined : formatDuration(run.durationMs));
  await field('command', run.argv ? `custsync ${run.argv.join(' ')}` : undefined);
  await field('counts', formatCounts(run.counts));
  await field('error', run.error ? paint.red(run.error) : undefined);
  await field('resume', run.resume);
  await writeChunk(output, '\n');
  let shown = 0;
  for await (const record of records) {
    if (shown === 0) await writeChunk(output, `${'STATUS'.padEnd(10)}  ${'KEY'.padEnd(14)}  ${'TARGET ID'.padEnd(12)}  ${'EMAIL'.padEnd(30)}  REASON\n`);
    shown += 1;
    const status = record.status === 'rejected' || record.status === 'failed' ? paint.red(record.status.padEnd(10)) : record.status === 'in flight' ? paint.yellow(record.status.padEnd(10)) : record.status.padEnd(10);
    const cells = [status, (record.key ?? '').padEnd(14), (record.targetId ?? '').padEnd(12), (record.email ?? '').padEnd(30), record.reason ?? record.note ?? ''];
    await writeChunk(output, `${cells.join('  ').trimEnd()}\n`);
  }
  if (shown === 0) await writeChunk(output, paint.dim('no per-record outcomes recorded for this run\n'));
}

export async function renderRunJson(run: RunInfo, records: AsyncIterable<RunRecord>, output: NodeJS.WritableStream): Promise<void> {
  const head = JSON.stringify({ run }, null, 2);
  await writeChunk(output, `${head.slice(0, -2)},\n  "records": [`);
  let first = true;
  for await (const record of records) {
    await writeChunk(output, `${first ? '\n' : ',\n'}    ${JSON.stringify(record)}`);
    first = false;
  }
  await writeChunk(output, `${first ? '' : '\n  '}]\n}\n`);
}
