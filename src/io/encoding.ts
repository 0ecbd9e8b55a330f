import { isUtf8 } from 'node:buffer';
import { UserError } from '../core/errors.js';

/**
 * Input files as spreadsheets save them: UTF-8 (with or without a byte order
 * mark), UTF-16 with a byte order mark (Excel's "Unicode text"), or a Windows
 * code page (Excel and older exports in Western Europe). Bytes become text
 * here, before any CSV parsing, so that a file in another encoding is never
 * read as UTF-8 without a word: invalid UTF-8 is refused naming its line.
 *
 * A byte order mark decides on its own (it cannot be mistaken); without one
 * the text is UTF-8 unless `--encoding` says otherwise. Latin-1 is not
 * guessed: most Latin-1 bytes also make valid UTF-8 in some order, and a
 * wrong guess would change names silently.
 */
export const encodings = ['utf-8', 'utf-16', 'windows-1252', 'latin1'] as const;
export type Encoding = (typeof encodings)[number];

const aliases: Record<string, Encoding> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'utf-16': 'utf-16',
  utf16: 'utf-16',
  'utf-16le': 'utf-16',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  latin1: 'latin1',
  'latin-1': 'latin1',
  'iso-8859-1': 'latin1',
};

/** The encoding a user typed (`UTF8`, `cp1252`, `ISO-8859-1` …), or undefined when it is none custsync reads. */
export function encodingOf(name: string): Encoding | undefined {
  return aliases[name.trim().toLowerCase()];
}

export interface DecodeOptions {
  /** For messages: the file name, or "stdin". */
  name: string;
  /** What the user said with `--encoding`; default UTF-8. */
  encoding?: Encoding;
  /** Told what decided the encoding when it was not what the user said (a byte order mark). */
  onNote?: (text: string) => void;
  /** Told the encoding the file is read in, once its first bytes are seen. */
  onEncoding?: (encoding: Encoding) => void;
}

/** Bytes of the file → the same text as UTF-8 bytes. */
type Decode = (bytes: Buffer, final: boolean) => Buffer;

const boms: Array<{ bytes: number[]; encoding: 'utf-8' | 'utf-16le' | 'utf-16be' }> = [
  { bytes: [0xef, 0xbb, 0xbf], encoding: 'utf-8' },
  { bytes: [0xff, 0xfe], encoding: 'utf-16le' },
  { bytes: [0xfe, 0xff], encoding: 'utf-16be' },
];

function bomOf(head: Buffer): (typeof boms)[number] | undefined {
  return boms.find((bom) => bom.bytes.every((byte, i) => head[i] === byte));
}

function textDecoder(label: string): Decode {
  const decoder = new TextDecoder(label);
  return (bytes, final) => Buffer.from(decoder.decode(bytes, { stream: !final }), 'utf8');
}

/** The number of bytes of the UTF-8 sequence that `lead` starts, or 0 when no sequence starts so. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** The allowed range of the second byte after `lead` (the rest are 0x80–0xBF): no overlongs, no surrogates, nothing past U+10FFFF. */
function secondByteRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}

/**
 * Where the first invalid UTF-8 sequence of `bytes` starts, `{ incomplete }`
 * when the bytes are valid but end in the middle of a sequence (the rest is
 * in the next chunk), or undefined when all is valid. Only called on a chunk
 * that `isUtf8` refused, so its speed does not matter.
 */
export function findInvalidUtf8(bytes: Buffer): { invalid: number } | { incomplete: number } | undefined {
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes[i]);
    if (length === 0) return { invalid: i };
    if (length === 1) {
      i += 1;
      continue;
    }
    const [low, high] = secondByteRange(bytes[i]);
    for (let k = 1; k < length; k += 1) {
      if (i + k >= bytes.length) return { incomplete: i };
      const byte = bytes[i + k];
      const [min, max] = k === 1 ? [low, high] : [0x80, 0xbf];
      if (byte < min || byte > max) return { invalid: i };
    }
    i += length;
  }
  return undefined;
}

function countNewlines(bytes: Buffer, end = bytes.length): number {
  let count = 0;
  for (let at = bytes.indexOf(0x0a); at !== -1 && at < end; at = bytes.indexOf(0x0a, at + 1)) count += 1;
  return count;
}

/** Up to 24 bytes of the line before a bad byte (valid UTF-8, since the byte is the first bad one). */
function before(bytes: Buffer, at: number): string {
  let start = at;
  while (start > 0 && at - start < 24 && bytes[start - 1] !== 0x0a) start -= 1;
  // Do not start inside a character.
  while (start < at && (bytes[start] & 0xc0) === 0x80) start += 1;
  return bytes.subarray(start, at).toString('utf8').trim();
}

/**
 * UTF-8 passed through as it is (the common case costs one native check a
 * chunk), refusing invalid bytes naming the line; a sequence cut by a chunk
 * boundary is carried into the next chunk, so every chunk out is whole text.
 */
function strictUtf8(name: string): Decode {
  let carry = Buffer.alloc(0);
  let lines = 0;
  // The start of the current line when it began in an earlier chunk, for the message.
  let lineStart = Buffer.alloc(0);
  return (chunk, final) => {
    const bytes = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    carry = Buffer.alloc(0);
    let usable = bytes;
    if (!isUtf8(bytes)) {
      const found = findInvalidUtf8(bytes);
      if (found && 'incomplete' in found && !final) {
        usable = bytes.subarray(0, found.incomplete);
        carry = Buffer.from(bytes.subarray(found.incomplete));
      } else if (found) {
        const at = 'invalid' in found ? found.invalid : found.incomplete;
        const line = lines + countNewlines(bytes, at) + 1;
        const context = Buffer.concat([lineStart, bytes]);
        const byte = bytes[at];
        throw new UserError(
          `${name}: line ${line} is not valid UTF-8: byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} after "${before(context, at + lineStart.length)}" (Windows-1252 reads it as "${new TextDecoder('windows-1252').decode(Buffer.from([byte]))}")`,
          'spreadsheets often save Windows-1252 or Latin-1: say which with --encoding windows-1252 (or latin1, utf-16)',
        );
      }
    }
    lines += countNewlines(usable);
    const lastBreak = usable.lastIndexOf(0x0a);
    lineStart = lastBreak === -1 ? Buffer.concat([lineStart, usable]).subarray(-24) : Buffer.from(usable.subarray(lastBreak + 1).subarray(-24));
    return usable;
  };
}

function decoderFor(encoding: Encoding | 'utf-16le' | 'utf-16be', name: string): Decode {
  switch (encoding) {
    case 'utf-8':
      return strictUtf8(name);
    case 'utf-16':
    case 'utf-16le':
      return textDecoder('utf-16le');
    case 'utf-16be':
      return textDecoder('utf-16be');
    case 'windows-1252':
      return textDecoder('windows-1252');
    case 'latin1':
      // The WHATWG decoder reads "latin1" as Windows-1252; Node's own is ISO-8859-1, byte for character.
      return (bytes) => Buffer.from(bytes.toString('latin1'), 'utf8');
  }
}

const bomNames = { 'utf-8': 'UTF-8', 'utf-16le': 'UTF-16 (little-endian)', 'utf-16be': 'UTF-16 (big-endian)' } as const;

/**
 * The text of a byte stream as UTF-8, chunk by chunk, without a byte order
 * mark; every chunk ends on a character boundary. Throws UserError for
 * invalid UTF-8 (naming the line and suggesting `--encoding`).
 */
export async function* toUtf8(input: AsyncIterable<Buffer | string>, options: DecodeOptions): AsyncGenerator<Buffer> {
  /** The decoder for what the first bytes say, and those bytes without their byte order mark. */
  const begin = (bytes: Buffer): [Decode, Buffer] => {
    const bom = bomOf(bytes);
    options.onEncoding?.(bom === undefined ? (options.encoding ?? 'utf-8') : bom.encoding === 'utf-8' ? 'utf-8' : 'utf-16');
    if (!bom) return [decoderFor(options.encoding ?? 'utf-8', options.name), bytes];
    const said = options.encoding;
    const agrees = (said ?? 'utf-8') === bom.encoding || (said === 'utf-16' && bom.encoding !== 'utf-8');
    // Silent when it is what the user said, or the UTF-8 that is read anyway.
    if (!agrees) {
      options.onNote?.(`${options.name} starts with a ${bomNames[bom.encoding]} byte order mark: reading it as ${bomNames[bom.encoding]}${said ? `, not ${said}` : ''}`);
    }
    return [decoderFor(bom.encoding, options.name), bytes.subarray(bom.bytes.length)];
  };
  let decode: Decode | undefined;
  let head: Buffer = Buffer.alloc(0);
  for await (const chunk of input) {
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (!decode) {
      head = Buffer.concat([head, bytes]);
      // Three bytes decide whether there is a byte order mark.
      if (head.length < 3) continue;
      [decode, bytes] = begin(head);
    }
    const out = decode(bytes, false);
    if (out.length > 0) yield out;
  }
  let rest: Buffer = Buffer.alloc(0);
  if (!decode) [decode, rest] = begin(head);
  const out = decode(rest, true);
  if (out.length > 0) yield out;
}
