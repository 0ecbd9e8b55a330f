import type { Customer } from '../core/customer.js';
import { defaultAddress } from '../core/customer.js';
import type { RecordSink } from '../core/pull.js';
import { writeChunk } from '../io/streams.js';

/**
 * `search --format table`: one customer a line. Widths are fixed (not
 * measured) so that results stream instead of being held: piped, the base
 * widths, and a longer cell is written whole (pushing the rest of its line
 * right) rather than cut; on a terminal, widths sized to it, cut with `…`.
 */
interface Column {
  title: string;
  /** Piped width, and the share of a terminal's width. */
  base: number;
  min: number;
  max: number;
  cell: (c: Customer) => string;
}

const columns: Column[] = [
  { title: 'KEY', base: 14, min: 6, max: 24, cell: (c) => c.key },
  { title: 'EMAIL', base: 36, min: 12, max: 56, cell: (c) => c.email ?? '' },
  { title: 'NAME', base: 26, min: 8, max: 40, cell: (c) => [c.firstName, c.lastName].filter(Boolean).join(' ') },
  { title: 'COMPANY', base: 24, min: 6, max: 40, cell: (c) => c.company ?? '' },
  { title: 'CITY', base: 18, min: 4, max: 28, cell: (c) => (defaultAddress(c, 'billing') ?? defaultAddress(c, 'shipping'))?.city ?? '' },
  { title: 'GROUPS', base: 20, min: 4, max: 48, cell: (c) => c.groups.join(';') },
];

const gap = 2;

/** Which columns get room first on a narrow terminal, up to their piped width: the email is what a search is about. */
const priority = ['EMAIL', 'KEY', 'NAME', 'CITY', 'COMPANY', 'GROUPS'];

/**
 * The widths of the columns on a terminal `width` wide: every column gets its
 * minimum, then room goes by {@link priority} up to the piped widths, then to
 * all alike up to their maximums. Columns are dropped from the right when even
 * their minimums do not fit.
 */
export function tableLayout(width: number | undefined): number[] {
  if (width === undefined) return columns.map((c) => c.base);
  let shown = columns.length;
  while (shown > 1 && columns.slice(0, shown).reduce((sum, c) => sum + c.min, 0) + gap * (shown - 1) > width) shown -= 1;
  const used = columns.slice(0, shown);
  const widths = used.map((c) => c.min);
  let spare = width - gap * (shown - 1) - widths.reduce((a, b) => a + b, 0);
  for (const title of priority) {
    const i = used.findIndex((c) => c.title === title);
    if (i < 0 || spare <= 0) continue;
    const grow = Math.min(spare, used[i].base - widths[i]);
    widths[i] += grow;
    spare -= grow;
  }
  while (spare > 0 && widths.some((w, i) => w < used[i].max)) {
    for (let i = 0; i < shown && spare > 0; i += 1) {
      if (widths[i] < used[i].max) {
        widths[i] += 1;
        spare -= 1;
      }
    }
  }
  return widths;
}

function fit(text: string, width: number, cut: boolean): string {
  const flat = text.replace(/\s+/g, ' ');
  if (!cut) return flat.padEnd(width);
  const chars = [...flat];
  return chars.length > width ? `${chars.slice(0, width - 1).join('')}…` : flat + ' '.repeat(width - chars.length);
}

/** One line of the table: the cells of the columns that `widths` has, padded (and cut when `cut`). */
export function tableLine(cells: string[], widths: number[], cut: boolean): string {
  return `${widths.map((width, i) => fit(cells[i], width, cut)).join(' '.repeat(gap)).trimEnd()}\n`;
}

export const tableTitles = columns.map((c) => c.title);

export function tableCells(record: Customer): string[] {
  return columns.map((c) => c.cell(record));
}

export function tableSink(output: NodeJS.WritableStream): RecordSink {
  const widths = tableLayout(undefined);
  let headerWritten = false;
  const header = async () => {
    if (!headerWritten) await writeChunk(output, tableLine(tableTitles, widths, false));
    headerWritten = true;
  };
  return {
    async write(record) {
      await header();
      await writeChunk(output, tableLine(tableCells(record), widths, false));
    },
    end: header,
  };
}
