/**
 * The cell delimiter of a CSV file. Spreadsheets in many European locales
 * save `;` (the comma is their decimal mark), Excel's "Unicode text" saves
 * tabs. Without `--delimiter`, the header line decides: the candidate it has
 * most of, outside quotes, with the comma winning ties (a one-column header
 * has none at all).
 */
export const delimiterCandidates = [',', ';', '\t', '|'] as const;

const names: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

/** How a delimiter is shown in messages: `";" (semicolon)`. */
export function describeDelimiter(delimiter: string): string {
  const shown = delimiter === '\t' ? '\\t' : delimiter;
  return names[delimiter] ? `"${shown}" (${names[delimiter]})` : `"${shown}"`;
}

/** What a user typed for `--delimiter` (`;`, `tab`, `\t`, `semicolon` …) as the character, or undefined when it is not one character. */
export function delimiterOf(text: string): string | undefined {
  const lower = text.toLowerCase();
  if (lower === 'tab' || text === '\\t') return '\t';
  const named = Object.entries(names).find(([, name]) => name === lower);
  if (named) return named[0];
  if ([...text].length !== 1 || text === '"' || text === '\n' || text === '\r') return undefined;
  return text;
}

/** The delimiter of a header line (the text up to its first line break). */
export function sniffDelimiter(headerLine: string): string {
  const counts = new Map<string, number>(delimiterCandidates.map((d) => [d, 0]));
  let quoted = false;
  for (const char of headerLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && counts.has(char)) counts.set(char, counts.get(char)! + 1);
  }
  let best: string = ',';
  for (const [delimiter, count] of counts) if (count > counts.get(best)!) best = delimiter;
  return best;
}
