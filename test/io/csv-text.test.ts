import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { csvRecordBatches, parserCore } from '../../src/io/csv-text.js';

/** The records and their lines, read one way, the text split into chunks of `size` bytes. */
async function read(text: string, via: 'core' | 'stream', size = 7): Promise<Array<[number, string[]]>> {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  const out: Array<[number, string[]]> = [];
  for await (const { records, lines } of csvRecordBatches(Readable.from(chunks), { name: 'x.csv' }, via)) {
    records.forEach((record, i) => out.push([lines[i], record]));
  }
  return out;
}

describe('csvRecordBatches', () => {
  it("drives the locked csv-parse's core (the fast way is the one taken)", () => {
    expect(parserCore(parse({}))).toBeDefined();
  });

  it('gives the same records on the same lines through the core as through csv-parse\'s stream', async () => {
    const text = '\uFEFFkey,note,email\n1,"two\nlines",a@x.io\n\n2,"say ""hi""",b@x.io\n3,,c@x.io\n\n4,"a,b\r\nc",\n';
    const core = await read(text, 'core');
    expect(core).toEqual(await read(text, 'stream'));
    // Lines as csv-parse counts them: the line a record ends on (a CRLF inside quotes is its own count).
    expect(core.map(([line]) => line).slice(0, 4)).toEqual([1, 3, 5, 6]);
    expect(core[1][1]).toEqual(['1', 'two\nlines', 'a@x.io']);
    expect(core[4][1]).toEqual(['4', 'a,b\r\nc', '']);
  });

  it('a file that is not CSV is the same UserError both ways, naming the file and the line', async () => {
    const text = 'key,email\n1,a@x.io\n2,"open quote,b@x.io\n';
    const messages = await Promise.all(
      (['core', 'stream'] as const).map((via) =>
        read(text, via).then(
          () => 'read',
          (error: unknown) => (error instanceof UserError ? error.message : String(error)),
        ),
      ),
    );
    expect(messages[0]).toMatch(/^x\.csv/);
    expect(messages[0]).toContain('line');
    expect(messages[1]).toBe(messages[0]);
  });
});
