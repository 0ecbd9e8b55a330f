import type { Customer } from '../core/customer.js';
import { defaultAddress } from '../core/customer.js';
import type { RecordSink } from '../core/pull.js';
import { writeChunk } from '../io/streams.js';

/**
 * `search --format table`: a fixed-width table, one customer a line. Widths
 * are fixed (not measured) so that results stream instead of being held.
 */
const columns: Array<[title: string, width: number, cell: (c: Customer) => string]> = [
  ['KEY', 14, (c) => c.key],
  ['EMAIL', 36, (c) => c.email ?? ''],
  ['NAME', 26, (c) => [c.firstName, c.lastName].filter(Boolean).join(' ')],
  ['COMPANY', 24, (c) => c.company ?? ''],
  ['CITY', 18, (c) => (defaultAddress(c, 'billing') ?? defaultAddress(c, 'shipping'))?.city ?? ''],
  ['GROUPS', 20, (c) => c.groups.join(';')],
];

function fit(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat.padEnd(width);
}

function line(cells: string[]): string {
  return `${cells.map((cell, i) => fit(cell, columns[i][1])).join('  ').trimEnd()}\n`;
}

export function tableSink(output: NodeJS.WritableStream): RecordSink {
  let headerWritten = false;
  const header = async () => {
    if (!headerWritten) await writeChunk(output, line(columns.map(([title]) => title)));
    headerWritten = true;
  };
  return {
    async write(record) {
      await header();
      await writeChunk(output, line(columns.map(([, , cell]) => cell(record))));
    },
    end: header,
  };
}
