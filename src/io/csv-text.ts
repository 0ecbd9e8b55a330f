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

interface CsvText {
  /** The file's text as UTF-8, its header line among the first chunks. */
  chunks: AsyncIterable<Buffer>;
  delimiter: string;
  encoding: Encoding;
}

/** Decodes the input and finds its delimiter in the header line. */
async function openCsvText(input: NodeJS.ReadableStream, options: CsvTextOptions): Promise<CsvText> {
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
  const chunks = (async function* () {
    yield* head;
    yield* text;
  })();
  return { chunks, delimiter, encoding };
}

export async function openCsvParser(input: NodeJS.ReadableStream, options: CsvTextOptions): Promise<OpenedCsv> {
  const { chunks, delimiter, encoding } = await openCsvText(input, options);
  return { parser: streamParser(chunks, delimiter), delimiter, encoding };
}

/** csv-parse's stream over the text, each record with its `info`. */
function streamParser(chunks: AsyncIterable<Buffer>, delimiter: string): Parser {
  const parser = parse({ delimiter, relax_column_count: false, skip_empty_lines: true, info: true });
  const feed = Readable.from(chunks, { objectMode: false });
  feed.on('error', (error) => parser.destroy(error));
  // A reader that stops early (--limit, an error) closes the parser: stop reading the file too.
  parser.on('close', () => feed.destroy());
  feed.pipe(parser);
  return parser;
}

/** The parsing core of csv-parse, which its stream (the `Parser`) drives chunk by chunk. */
interface ParserCore {
  parse(chunk: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): CsvError | undefined;
  info: { lines: number };
}

/**
 * The records of a CSV file, a batch for each chunk of its text, each record
 * with the line it ends on (as csv-parse's `info.lines` gives it). The
 * parser's core is driven here directly, without its stream: asking it for
 * `info` on every record (a copy of its state each time) and passing every
 * record through an object stream cost a third of parsing itself, and the
 * line is read from the core's own counter as the record is pushed.
 * A file that is not CSV throws the UserError of {@link csvSyntaxError}.
 */
export async function* csvRecordBatches(
  input: NodeJS.ReadableStream,
  options: CsvTextOptions,
  /** `stream`: csv-parse's stream even when its core is there (the tests compare the two ways). */
  via: 'core' | 'stream' = 'core',
): AsyncGenerator<{ records: string[][]; lines: number[] }> {
  const { chunks, delimiter } = await openCsvText(input, options);
  const core = via === 'core' ? parserCore(parse({ delimiter, relax_column_count: false, skip_empty_lines: true })) : undefined;
  if (!core) {
    yield* recordsOfStream(streamParser(chunks, delimiter), options.name);
    return;
  }
  let records: string[][] = [];
  let lines: number[] = [];
  const push = (record: string[]) => {
    records.push(record);
    lines.push(core.info.lines);
  };
  const feed = (chunk: Buffer | undefined, end: boolean) => {
    const error = core.parse(chunk, end, push, () => undefined);
    if (error) throw error instanceof CsvError ? csvSyntaxError(error, options.name) : error;
  };
  try {
    for await (const chunk of chunks) {
      feed(chunk, false);
      if (records.length === 0) continue;
      yield { records, lines };
      records = [];
      lines = [];
    }
    feed(undefined, true);
    if (records.length > 0) yield { records, lines };
  } finally {
    // A reader that stops early (--limit, an error) stops reading the file too.
    await (chunks as AsyncGenerator<Buffer>).return(undefined);
  }
}

/**
 * The core behind csv-parse's stream: `api`, which its `Parser` sets up and
 * drives, not in its type definitions. Undefined when a csv-parse other than
 * the one locked (6.2) has no such core: the reader then takes the stream.
 */
export function parserCore(parser: Parser): ParserCore | undefined {
  const api = (parser as unknown as { api?: Partial<ParserCore> }).api;
  return typeof api?.parse === 'function' && typeof api.info?.lines === 'number' ? (api as ParserCore) : undefined;
}

/** The records of csv-parse's stream, one a batch (the way without the core). */
async function* recordsOfStream(parser: Parser, name: string): AsyncGenerator<{ records: string[][]; lines: number[] }> {
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) yield { records: [record], lines: [info.lines] };
  } catch (error) {
    throw error instanceof CsvError ? csvSyntaxError(error, name) : error;
  } finally {
    parser.destroy();
  }
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
