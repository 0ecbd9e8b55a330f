import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Customer } from '../../src/core/customer.js';
import { UserError } from '../../src/core/errors.js';
import { invalidInput } from '../../src/core/invalid-input.js';
import { readJsonl, type JsonlReadOptions } from '../../src/io/jsonl.js';

/** Reading JSONL: what stops the read (exit 2), what is a rejected record, what is ignored. */
async function read(text: string, options: JsonlReadOptions = {}): Promise<Customer[]> {
  const out: Customer[] = [];
  for await (const c of readJsonl(Readable.from([text]), 'in.jsonl', options)) out.push(c);
  return out;
}
const failure = (text: string, options: JsonlReadOptions = {}) => read(text, options).then(() => undefined, (e: unknown) => e as UserError);

describe('readJsonl', () => {
  it('one customer a line; blank lines and a reason key skipped', async () => {
    const records = await read('{"key":"A","email":"a@example.com"}\n\n   \n{"key":"B","reason":"was rejected"}\n');
    expect(records.map((r) => [r.key, r.email])).toEqual([['A', 'a@example.com'], ['B', undefined]]);
    expect(records[1]).not.toHaveProperty('reason');
  });

  it('a line that is not JSON, or not an object, stops the read naming the line', async () => {
    expect((await failure('{"key":"A"}\n{"key":'))?.message).toMatch(/^in\.jsonl: line 2 is not valid JSON: /);
    for (const line of ['[1]', '"text"', 'null', '3']) expect((await failure(`${line}\n`))?.message, line).toBe('in.jsonl: line 1 is not a customer object');
  });

  it('unknown keys, at the top and in addresses, stop the read naming each, unless ignored', async () => {
    const one = await failure('{"key":"A","shoe":1}\n');
    expect(one?.message).toBe('in.jsonl: line 1: unknown key "shoe"');
    expect(one?.hint).toBe('use the canonical field names (see README, "The canonical customer"), or pass --ignore-unknown-columns');
    const several = await failure('{"key":"A","shoe":1,"addresses":[{"kind":"billing","isDefault":true,"lines":[],"floor":2},"x",null,[1]]}\n');
    expect(several?.message).toBe('in.jsonl: line 1: unknown keys "shoe", "addresses[0].floor"');
    const ignored = await read('{"key":"A","shoe":1}\n', { ignoreUnknownColumns: true });
    expect(ignored).toEqual([expect.objectContaining({ key: 'A' })]);
    expect(ignored[0]).not.toHaveProperty('shoe');
  });

  it('bad fields stop the read with the fields named; with rejectInvalid the line is a marked stand-in, the rest read on', async () => {
    const text = '{"key":"A","gender":"male","dateOfBirth":"1990-1-1"}\n{"key":"B"}\n';
    const stopped = await failure(text);
    expect(stopped?.message).toBe('in.jsonl: line 1: field dateOfBirth: "1990-1-1" must be YYYY-MM-DD; field gender: "male" is not one of m, f, u');
    expect(stopped?.hint).toBe('fix the fields and run again');
    expect((await failure('{"key":"A","gender":"male"}\n'))?.hint).toBe('fix the field and run again');
    const records = await read(text, { rejectInvalid: true });
    expect(records.map((r) => r.key)).toEqual(['A', 'B']);
    expect(invalidInput(records[0])).toEqual({ reason: stopped?.message, raw: { form: 'jsonl', value: { key: 'A', gender: 'male', dateOfBirth: '1990-1-1' } } });
    expect(invalidInput(records[1])).toBeUndefined();
  });

  it('a malformed email is a rejected record only when rejecting invalid lines', async () => {
    const records = await read('{"key":"A","email":"not-an-email"}\n', { rejectInvalid: true });
    expect(invalidInput(records[0])?.reason).toMatch(/^in\.jsonl: line 1: field email: /);
    expect((await read('{"key":"A","email":"not-an-email"}\n'))[0].email).toBe('not-an-email');
  });
});

describe('readJsonl line ends and chunks', () => {
  const keysOf = async (chunks: Array<string | Buffer>) => {
    const keys: string[] = [];
    for await (const c of readJsonl(Readable.from(chunks), 'in.jsonl')) keys.push(c.key);
    return keys;
  };

  it('\\r\\n, a lone \\r and a last line without an end are lines, as readline splits them', async () => {
    expect(await keysOf(['{"key":"A"}\r\n{"key":"B"}\r{"key":"C"}\n{"key":"D"}'])).toEqual(['A', 'B', 'C', 'D']);
    expect(await keysOf(['{"key":"A"}\r\n\r\n{"key":"B"}\r\n'])).toEqual(['A', 'B']);
    // A line number counts every line end, the lone \r ones too.
    expect((await failure('{"key":"A"}\r\r{oops}\n'))?.message).toMatch(/^in\.jsonl: line 3 is not valid JSON/);
    // A \r\n ends one line, not two.
    expect((await failure('{"key":"A"}\r\n{oops}\r\n'))?.message).toMatch(/^in\.jsonl: line 2 is not valid JSON/);
  });

  it('a line cut between chunks, even inside a character, is read whole; an empty chunk is nothing', async () => {
    const text = Buffer.from('{"key":"A","note":"café"}\n{"key":"B"}\n');
    const cut = text.indexOf('é') + 1;
    expect(await keysOf([text.subarray(0, cut), Buffer.alloc(0), text.subarray(cut, cut + 3), text.subarray(cut + 3)])).toEqual(['A', 'B']);
    const records: Customer[] = [];
    for await (const c of readJsonl(Readable.from([text.subarray(0, cut), text.subarray(cut)]), 'in.jsonl')) records.push(c);
    expect(records[0].note).toBe('café');
    // Every byte its own chunk.
    expect(await keysOf([...text].map((byte) => Buffer.from([byte])))).toEqual(['A', 'B']);
  });

  it('a rejects file line keeps its fields; its reason and, when allowed, unknown keys are dropped', async () => {
    const records = await read('{"reason":"x","key":"A","note":"n"}\n', {});
    expect(records[0]).toMatchObject({ key: 'A', note: 'n' });
    const allowed = await read('{"key":"A","note":"n","shoe":"42"}\n', { ignoreUnknownColumns: true });
    expect(allowed[0]).toMatchObject({ key: 'A', note: 'n' });
    expect(allowed[0]).not.toHaveProperty('shoe');
  });
});
