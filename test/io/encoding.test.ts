import { describe, expect, it } from 'vitest';
import { delimiterOf, sniffDelimiter } from '../../src/io/delimiter.js';
import { encodingOf, findInvalidUtf8, toUtf8, type DecodeOptions } from '../../src/io/encoding.js';

/** Decodes chunks as a file stream would hand them over. */
async function decode(chunks: Buffer[], options: Partial<DecodeOptions> = {}): Promise<{ text: string; notes: string[]; encoding?: string }> {
  const notes: string[] = [];
  let encoding: string | undefined;
  let text = '';
  for await (const chunk of toUtf8(
    (async function* () {
      yield* chunks;
    })(),
    { name: 'in.csv', onNote: (n) => notes.push(n), onEncoding: (e) => (encoding = e), ...options },
  )) {
    text += chunk.toString('utf8');
  }
  return { text, notes, encoding };
}

/** Every way of cutting a buffer in two. */
function cuts(bytes: Buffer): Buffer[][] {
  return Array.from({ length: bytes.length + 1 }, (_, i) => [bytes.subarray(0, i), bytes.subarray(i)]);
}

describe('input encodings', () => {
  it('passes UTF-8 through whole wherever a chunk boundary cuts a character', async () => {
    const text = 'email,name\nzoe@example.com,Zoë Ñúñez 😀 Łódź\n';
    for (const chunks of cuts(Buffer.from(text))) expect((await decode(chunks)).text).toBe(text);
  });

  it('refuses invalid UTF-8 naming the line, the byte, what comes before it and what Windows-1252 makes of it', async () => {
    const bytes = Buffer.concat([Buffer.from('email,last_name\na@b.c,Smith\nm@b.c,M'), Buffer.from([0xfc]), Buffer.from('ller\n')]);
    for (const chunks of cuts(bytes)) {
      await expect(decode(chunks)).rejects.toThrow('in.csv: line 3 is not valid UTF-8: byte 0xFC after "m@b.c,M" (Windows-1252 reads it as "ü")');
    }
  });

  it('refuses a sequence cut off by the end of the file, and overlongs and surrogates', async () => {
    await expect(decode([Buffer.from([0x61, 0xe2, 0x82])])).rejects.toThrow('line 1 is not valid UTF-8');
    expect(findInvalidUtf8(Buffer.from([0xc0, 0x80]))).toEqual({ invalid: 0 });
    expect(findInvalidUtf8(Buffer.from([0x41, 0xed, 0xa0, 0x80]))).toEqual({ invalid: 1 });
    expect(findInvalidUtf8(Buffer.from([0x41, 0xf0, 0x9f]))).toEqual({ incomplete: 1 });
    expect(findInvalidUtf8(Buffer.from('ok ✓'))).toBeUndefined();
  });

  it('reads Windows-1252 and Latin-1 when told, and they differ where they should', async () => {
    const bytes = Buffer.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, 0x20, 0x80, 0x93]);
    expect((await decode([bytes], { encoding: 'windows-1252' })).text).toBe('Müller €“');
    expect((await decode([bytes], { encoding: 'latin1' })).text).toBe('Müller \u0080\u0093');
  });

  it('follows a byte order mark, says so when it was not what was asked, and strips it', async () => {
    const text = 'email;name\nzoe@example.com;Zoë\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    for (const chunks of cuts(le).slice(0, 6)) {
      const read = await decode(chunks);
      expect(read.text).toBe(text);
      expect(read.encoding).toBe('utf-16');
    }
    expect((await decode([le])).notes).toEqual(['in.csv starts with a UTF-16 (little-endian) byte order mark: reading it as UTF-16 (little-endian)']);
    expect((await decode([le], { encoding: 'utf-16' })).notes).toEqual([]);
    expect((await decode([le], { encoding: 'windows-1252' })).notes[0]).toMatch(/reading it as UTF-16 \(little-endian\), not windows-1252/);
    const be = Buffer.from([0xfe, 0xff, ...Buffer.from(text, 'utf16le').swap16()]);
    expect((await decode([be])).text).toBe(text);
    const utf8 = await decode([Buffer.from(`\ufeff${text}`)]);
    expect(utf8).toEqual({ text, notes: [], encoding: 'utf-8' });
  });

  it('reads an empty file and a file shorter than a byte order mark', async () => {
    expect((await decode([])).text).toBe('');
    expect((await decode([Buffer.from('a')])).text).toBe('a');
  });

  it('knows the names people type', () => {
    expect(encodingOf('UTF8')).toBe('utf-8');
    expect(encodingOf('cp1252')).toBe('windows-1252');
    expect(encodingOf('ISO-8859-1')).toBe('latin1');
    expect(encodingOf('ebcdic')).toBeUndefined();
  });
});

describe('delimiters', () => {
  it('finds the delimiter of a header line, outside quotes, the comma winning ties', () => {
    expect(sniffDelimiter('First Name,Last Name,Email')).toBe(',');
    expect(sniffDelimiter('First Name;Last Name;Email')).toBe(';');
    expect(sniffDelimiter('"a,b";"c,d";e')).toBe(';');
    expect(sniffDelimiter('"a;b;c",d')).toBe(',');
    expect(sniffDelimiter('email\tname')).toBe('\t');
    expect(sniffDelimiter('email')).toBe(',');
    expect(sniffDelimiter('a;b,c')).toBe(',');
  });

  it('takes what a user types for --delimiter', () => {
    expect(delimiterOf(';')).toBe(';');
    expect(delimiterOf('tab')).toBe('\t');
    expect(delimiterOf('\\t')).toBe('\t');
    expect(delimiterOf('semicolon')).toBe(';');
    expect(delimiterOf(';;')).toBeUndefined();
    expect(delimiterOf('"')).toBeUndefined();
  });
});
