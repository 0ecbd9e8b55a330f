import { CsvError, parse, type Parser } from 'csv-parse';
import { UserError } from '../core/errors.js';
import { Readable } from 'node:stream';
import { describeDelimiter, sniffDelimiter } from './delimiter.js';
import { toUtf8, type Encoding } from './encoding.js';
import { openInput } from './streams.js';

/**
 * A CSV file as spreadsheets save it, opened for csv-parse: bytes decoded
 * from `--encoding` (or a byte order mark) to UTF-8, and the delimiter taken
 * from `--delimiter` or found in the header line. Every CSV reader of
 * custsync (canonical columns and the platforms' forms) opens files here.
 */
export interface CsvTextOptions {
  /** For messages: the file name, or "stdin". */
  name: string;
  encoding?: Encoding;
  delimiter?: string;
  /** Told what was found rather than said: a `;` header, a UTF-16 byte order mark. */
  onNote?: (text: string) => void;
}

export interface CsvRecord {
  record: string[];
  info: { lines: number };
}

export interface OpenedCsv {
  /** Yields `{ record, info }`: the cells and the line the record ends on. */
  parser: Parser;
  delimiter: string;
  /** What the file is read as: `--encoding`, or what its byte order mark says. */
  encoding: Encoding;
}

/** How far to look for the end of the header line before taking what there is. */
const headerLookahead = 64 * 1024;

export async function openCsvParser(input: NodeJS.ReadableStream, options: CsvTextOptions): Promise<OpenedCsv> {
  let encoding: Encoding = options.encoding ?? 'utf-8';
  const text = toUtf8(input as AsyncIterable<Buffer | string>, { ...options, onEncoding: (found) => (encoding = found) });
  const head: Buffer[] = [];
  let seen = '';
  while (!/[\r\n]/.test(seen) && seen.length < headerLookahead) {
    const next = await text.next();
    if (next.done) break;
    head.push(next.value);
    seen += next.value.toString('utf8');
  }
  const delimiter = options.delimiter ?? sniffDelimiter(seen.split(/\r\n|\r|\n/, 1)[0]);
  if (options.delimiter === undefined && delimiter !== ',') {
    options.onNote?.(`${options.name}: the header is separated by ${describeDelimiter(delimiter)}, so the file is read that way (--delimiter says otherwise)`);
  }
  const parser = parse({ delimiter, relax_column_count: false, skip_empty_lines: true, info: true });
  const feed = Readable.from(
    (async function* () {
      yield* head;
      yield* text;
    })(),
    { objectMode: false },
  );
  feed.on('error', (error) => parser.destroy(error));
  // A reader that stops early (--limit, an error) closes the parser: stop reading the file too.
  parser.on('close', () => feed.destroy());
  feed.pipe(parser);
  return { parser, delimiter, encoding };
}

/** The header cells of a CSV file (trimmed; empty for an empty file), its delimiter and encoding, read without reading the rest. */
export async function readCsvHeader(path: string, options: CsvTextOptions): Promise<{ header: string[]; delimiter: string; encoding: Encoding }> {
  const input = await openInput(path, 'input file');
  const { parser, delimiter, encoding } = await openCsvParser(input, options);
  try {
    for await (const { record } of parser as AsyncIterable<CsvRecord>) return { header: record.map((cell) => cell.trim()), delimiter, encoding };
    return { header: [], delimiter, encoding };
  } catch (error) {
    throw error instanceof CsvError ? csvSyntaxError(error, options.name) : error;
  } finally {
    parser.destroy();
  }
}

/** A csv-parse error (unclosed quote, wrong number of cells) as the UserError a user sees: file, line, column. */
export function csvSyntaxError(error: CsvError, name: string): UserError {
  const { lines, column } = error as CsvError & { lines?: number; column?: number | string };
  const where = [lines !== undefined ? `line ${lines}` : undefined, column !== undefined ? `column ${typeof column === 'number' ? column + 1 : column}` : undefined]
    .filter(Boolean)
    .join(', ');
  return new UserError(`${name} is not valid CSV${where ? ` at ${where}` : ''}: ${error.message.replace(/^Invalid [^:]*: /, '')}`);
}
