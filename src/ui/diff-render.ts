import { stringify } from 'csv-stringify';
import { once } from 'node:events';
import type { Customer } from '../core/customer.js';
import type { ChangedRecord, DiffSink, DiffSummary } from '../core/diff.js';
import { writeChunk } from '../io/streams.js';
import { guardCell } from '../io/formula.js';
import type { Palette } from './terminal.js';

/** The three output forms of `diff` (SPEC section 1), streamed to stdout. */
export type DiffFormat = 'text' | 'json' | 'csv';

const none = (value: string | null) => (value === null ? '(none)' : JSON.stringify(value));

export function diffRenderer(format: DiffFormat, output: NodeJS.WritableStream, options: { rawCsv?: boolean } = {}): DiffSink {
  if (format === 'text') {
    return {
      added: (r) => writeChunk(output, `+ ${r.key} ${r.email ?? ''}\n`),
      removed: (r) => writeChunk(output, `- ${r.key} ${r.email ?? ''}\n`),
      changed: (c) => writeChunk(output, `~ ${c.key} ${c.email ?? ''}\n${c.changes.map((f) => `    ${f.field}: ${none(f.from)} -> ${none(f.to)}\n`).join('')}`),
      end: () => undefined,
    };
  }
  if (format === 'json') return jsonRenderer(output);
  return csvRenderer(output, options.rawCsv === true);
}

/**
 * The diff view on a terminal: the text form, coloured (`+` green, `-` red,
 * `~` yellow, each change's old value red and new value green), printed
 * through the live display so the counts below it stay in place.
 */
export function diffViewRenderer(print: (text: string) => void, paint: Palette): DiffSink {
  return {
    added: (r) => print(`${paint.green(`+ ${r.key} ${r.email ?? ''}`)}\n`),
    removed: (r) => print(`${paint.red(`- ${r.key} ${r.email ?? ''}`)}\n`),
    changed: (c) =>
      print(`${paint.yellow(`~ ${c.key} ${c.email ?? ''}`)}\n${c.changes.map((f) => `    ${f.field}: ${paint.red(none(f.from))} -> ${paint.green(none(f.to))}\n`).join('')}`),
    end: () => undefined,
  };
}

function jsonRenderer(output: NodeJS.WritableStream): DiffSink {
  let section: 'start' | 'added' | 'removed' | 'changed' = 'start';
  let first = true;
  const open = async (next: 'added' | 'removed' | 'changed') => {
    const order = ['start', 'added', 'removed', 'changed'];
    while (order.indexOf(section) < order.indexOf(next)) {
      const following = order[order.indexOf(section) + 1] as 'added' | 'removed' | 'changed';
      await writeChunk(output, `${section === 'start' ? '{' : '],'}"${following}":[`);
      section = following;
      first = true;
    }
  };
  const item = async (next: 'added' | 'removed' | 'changed', value: Customer | ChangedRecord) => {
    await open(next);
    await writeChunk(output, `${first ? '' : ','}\n${JSON.stringify(value)}`);
    first = false;
  };
  return {
    added: (r) => item('added', r),
    removed: (r) => item('removed', r),
    changed: (c) => item('changed', c),
    async end(summary: DiffSummary) {
      await open('changed');
      await writeChunk(output, `],"unchanged":${summary.unchanged}}\n`);
    },
  };
}

function csvRenderer(output: NodeJS.WritableStream, raw: boolean): DiffSink {
  const columns = ['change', 'key', 'email', 'field', 'from', 'to'];
  const stringifier = stringify({ header: true, columns, record_delimiter: 'unix' });
  stringifier.pipe(output, { end: false });
  const row = async (cells: Array<string | null | undefined>) => {
    const values = cells.map((c) => (c === null || c === undefined ? '' : raw ? c : guardCell(c)));
    if (!stringifier.write(values)) await once(stringifier, 'drain');
  };
  return {
    added: (r) => row(['added', r.key, r.email]),
    removed: (r) => row(['removed', r.key, r.email]),
    async changed(c) {
      for (const f of c.changes) await row(['changed', c.key, c.email, f.field, f.from, f.to]);
    },
    async end() {
      const done = once(stringifier, 'end');
      stringifier.end();
      await done;
    },
  };
}
