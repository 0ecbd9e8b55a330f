import { stringify } from 'csv-stringify/sync';
import { guardCell } from './formula.js';
import { openOutputFile, type OutputFile } from './atomic-file.js';
import { finish, writeChunk } from './streams.js';

/**
 * A CSV file in fixed columns, written record by record, that can be split
 * into parts of at most `maxBytes` each (Shopify takes customer files of at
 * most 1 MB): every part has the header, and the rows of one record (a
 * customer with several addresses in Matrixify's form) never straddle two
 * parts. Parts after the first are named `NAME-2.csv`, `NAME-3.csv` …
 * Cells are formula-guarded unless `raw` (SPEC section 3). Parts are written
 * under temporary names and all renamed only at {@link CsvPartsWriter.end}, so a
 * run that fails leaves no part that looks finished.
 */
export interface CsvPartsOptions {
  /** The file; undefined writes to `stream` (which cannot be split). */
  path?: string;
  stream?: NodeJS.WritableStream;
  columns: readonly string[];
  raw?: boolean;
  maxBytes?: number;
  /** Replace files that exist (`--force`). */
  force?: boolean;
}

export interface CsvPart {
  path: string;
  bytes: number;
}

/** `customers.csv`, part 3 → `customers-3.csv`; a name without an extension gets `-3` at its end. */
export function partPath(path: string, part: number): string {
  if (part === 1) return path;
  const match = /^(.*?)(\.[^./\\]*)?$/.exec(path)!;
  return `${match[1]}-${part}${match[2] ?? ''}`;
}

export class CsvPartsWriter {
  private output!: NodeJS.WritableStream;
  /** The parts' files, committed together at the end. */
  private readonly files: OutputFile[] = [];
  private readonly header: string;
  private readonly headerBytes: number;
  private readonly done: CsvPart[] = [];
  private current: CsvPart = { path: '', bytes: 0 };
  private rowsInPart = 0;
  /** The header goes out with the first row (or at the end): a run that fails before its first record leaves an empty file, not a valid-looking one. */
  private headerWritten = false;

  private constructor(private readonly options: CsvPartsOptions) {
    this.header = stringify([[...options.columns]], { record_delimiter: 'unix' });
    this.headerBytes = Buffer.byteLength(this.header);
  }

  /** Opens the first part, so that a missing folder is an error before anything is read. */
  static async open(options: CsvPartsOptions): Promise<CsvPartsWriter> {
    const writer = new CsvPartsWriter(options);
    await writer.startPart(1);
    return writer;
  }

  private async startPart(part: number): Promise<void> {
    const path = this.options.path === undefined ? '-' : partPath(this.options.path, part);
    if (this.options.path === undefined) this.output = this.options.stream ?? process.stdout;
    else {
      const file = await openOutputFile(path, { force: this.options.force });
      this.files.push(file);
      this.output = file.stream;
    }
    this.current = { path, bytes: this.headerBytes };
    this.rowsInPart = 0;
    this.headerWritten = false;
  }

  private async writeHeader(): Promise<void> {
    if (this.headerWritten) return;
    this.headerWritten = true;
    await writeChunk(this.output, this.header);
  }

  /** Writes one record's rows (cells in column order). */
  async write(rows: string[][]): Promise<void> {
    const text = stringify(
      rows.map((row) => (this.options.raw ? row : row.map(guardCell))),
      { record_delimiter: 'unix' },
    );
    const bytes = Buffer.byteLength(text);
    const { maxBytes, path } = this.options;
    // A record alone larger than a part still gets a part of its own rather than being cut.
    if (maxBytes !== undefined && path !== undefined && this.rowsInPart > 0 && this.current.bytes + bytes > maxBytes) {
      this.done.push(this.current);
      await this.startPart(this.done.length + 1);
    }
    await this.writeHeader();
    await writeChunk(this.output, text);
    this.current.bytes += bytes;
    this.rowsInPart += rows.length;
  }

  /** Flushes and closes; returns every part written with its size. */
  async end(): Promise<CsvPart[]> {
    await this.writeHeader();
    if (this.files.length === 0) await finish(this.output);
    for (const file of this.files) await file.commit();
    return [...this.done, this.current];
  }

  /** Drops every part written so far; files that existed are left as they were. */
  async abort(): Promise<void> {
    for (const file of this.files) await file.abort();
  }
}
