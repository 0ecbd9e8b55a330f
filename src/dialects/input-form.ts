import type { Dialect } from '../core/dialect.js';
import { UserError } from '../core/errors.js';
import { csvColumns } from '../io/csv-columns.js';
import { isFormDialect } from './csv-form.js';
import { dialects } from './registry.js';

/**
 * Which form a CSV file is in, from its header alone (`push --input FILE`
 * without a prefix): custsync's canonical columns, or one of the platforms'
 * forms of the registry. A form fits a header when it knows every column;
 * it is marked by a column no other form has. The canonical form wins a
 * header that fits it unless a fitting form is marked (`email,first_name,
 * last_name` is a hand-made canonical list, not a WooCommerce export).
 * An unknown or ambiguous header is exit 2, naming the columns.
 */
interface Candidate {
  dialect: Dialect;
  label: string;
  /** `--format` name. */
  format: string;
  knows(column: string): boolean;
  marks(column: string): boolean;
  hintFor?(column: string): string | undefined;
}

function candidates(): Candidate[] {
  const forms: Candidate[] = Object.values(dialects)
    .filter(isFormDialect)
    .map((dialect) => ({
      dialect,
      label: dialect.form.label,
      format: dialect.form.format,
      knows: (c) => dialect.form.knows(c),
      marks: (c) => dialect.form.marks(c),
      hintFor: dialect.form.hintFor && ((c) => dialect.form.hintFor!(c)),
    }));
  const knowsCanonical = (column: string) => csvColumns.includes(column) || column === 'reason';
  const canonical: Candidate = {
    dialect: dialects.csv,
    label: "custsync's canonical CSV",
    format: 'csv',
    knows: knowsCanonical,
    marks: (column) => knowsCanonical(column) && !forms.some((form) => form.knows(column)),
  };
  return [canonical, ...forms];
}

export interface Recognised {
  dialect: Dialect;
  /** For the message that says which form was read. */
  label: string;
}

export function recogniseHeader(header: string[], options: { name: string; ignoreUnknownColumns: boolean }): Recognised {
  const columns = header.filter((column) => column !== '');
  const all = candidates();
  const [canonical, ...forms] = all;
  const fits = (c: Candidate) => columns.every((column) => c.knows(column));
  const marked = (c: Candidate) => columns.some((column) => c.marks(column));
  const pick = (c: Candidate): Recognised => ({ dialect: c.dialect, label: c.label });
  const formats = forms.map((f) => f.format).join('|');
  const ambiguous = (among: Candidate[]): UserError => {
    const shared = columns.filter((column) => among.every((c) => c.knows(column)));
    return new UserError(
      `${options.name}: the header fits more than one form: ${among.map((c) => c.label).join(', ')} (columns ${(shared.length ? shared : columns).map((c) => `"${c}"`).join(', ')})`,
      `say which: ${among.map((c) => `--format ${c.format}`).join(' or ')}, or a prefix such as ${among[0].dialect.id}:PATH`,
    );
  };

  const markedFits = forms.filter((f) => fits(f) && marked(f));
  if (markedFits.length === 1) return pick(markedFits[0]);
  if (markedFits.length > 1) throw ambiguous(markedFits);
  if (fits(canonical)) return pick(canonical);
  const fitting = forms.filter(fits);
  if (fitting.length === 1) return pick(fitting[0]);
  if (fitting.length > 1) throw ambiguous(fitting);
  // No form knows every column: one that is marked reads the file and names the columns it does not know.
  const markedOnly = all.filter(marked);
  if (markedOnly.length === 1) return pick(markedOnly[0]);
  if (markedOnly.length > 1) throw ambiguous(markedOnly);
  if (options.ignoreUnknownColumns && (columns.includes('key') || columns.includes('email'))) return pick(canonical);

  const unknown = columns.filter((column) => !all.some((c) => c.knows(column)));
  const hints = unknown.flatMap((column) => all.map((c) => c.hintFor?.(column)).filter((hint): hint is string => hint !== undefined));
  const what = unknown.length
    ? `no form custsync reads has the column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ')}`
    : `its columns ${columns.map((c) => `"${c}"`).join(', ')} belong to different forms`;
  throw new UserError(
    `${options.name}: the header is not one custsync reads: ${what}`,
    [...hints, `rename the columns to canonical ones (README, "CSV columns") or name the form: --format ${formats}, or a prefix such as shopify-csv:PATH (docs/formats.md)`].join('; '),
  );
}
