import { AddressSchema, CustomerSchema, type Customer } from '../core/customer.js';
import { UserError } from '../core/errors.js';
import { markInvalid } from '../core/invalid-input.js';
import { checkDraft, emailProblem } from './record-problems.js';

/** JSONL of canonical customers: exactly the canonical object, one a line. */
export interface JsonlReadOptions {
  /** Accept keys that are not canonical fields (they are dropped), as `--ignore-unknown-columns` does for CSV. */
  ignoreUnknownColumns?: boolean;
  /** A line whose fields do not validate is yielded as a marked stand-in (see `readCsv`), instead of ending the read. */
  rejectInvalid?: boolean;
}

const customerKeys = new Set(Object.keys(CustomerSchema.shape));
const addressKeys = new Set(Object.keys(AddressSchema.shape));
/** `reason` of a rejects file, so it can be pushed again. */
const ignoredKeys = new Set(['reason']);

/** Keys of a line that are not canonical fields: a typo or another tool's field would be dropped silently. */
function unknownKeys(value: Record<string, unknown>): string[] {
  const unknown: string[] = [];
  for (const key in value) if (!customerKeys.has(key) && !ignoredKeys.has(key) && Object.hasOwn(value, key)) unknown.push(key);
  if (Array.isArray(value.addresses)) {
    value.addresses.forEach((address, i) => {
      if (address && typeof address === 'object' && !Array.isArray(address)) {
        for (const key of Object.keys(address)) if (!addressKeys.has(key)) unknown.push(`addresses[${i}].${key}`);
      }
    });
  }
  return unknown;
}

/**
 * The lines of a byte stream, as `readline` splits them (`\r\n`, `\n` or a
 * lone `\r` ends a line), a batch per chunk. Lines are found in the bytes
 * and decoded one by one: decoding the chunks and splitting the text (as
 * readline does) cost more than parsing the JSON of the lines.
 */
async function* lineBatches(input: NodeJS.ReadableStream): AsyncGenerator<string[]> {
  let carry: Buffer | undefined;
  const take = (bytes: Buffer, start: number, end: number, lines: string[]) => {
    let line = bytes.toString('utf8', start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.includes('\r')) lines.push(...line.split('\r'));
    else lines.push(line);
  };
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    // A line cut by the chunk's end (even inside a character) waits for the rest.
    const all = carry ? Buffer.concat([carry, bytes]) : bytes;
    const lines: string[] = [];
    let start = 0;
    for (let at = all.indexOf(0x0a); at !== -1; at = all.indexOf(0x0a, start)) {
      take(all, start, at, lines);
      start = at + 1;
    }
    carry = start < all.length ? all.subarray(start) : undefined;
    if (lines.length > 0) yield lines;
  }
  if (carry) {
    const lines: string[] = [];
    take(carry, 0, carry.length, lines);
    yield lines;
  }
}

export async function* readJsonl(input: NodeJS.ReadableStream, name: string, options: JsonlReadOptions = {}): AsyncGenerator<Customer> {
  let number = 0;
  for await (const lines of lineBatches(input)) {
    for (const line of lines) {
      number += 1;
      if (line.trim() === '') continue;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch (error) {
        throw new UserError(`${name}: line ${number} is not valid JSON: ${(error as Error).message}`);
      }
      if (!json || typeof json !== 'object' || Array.isArray(json)) throw new UserError(`${name}: line ${number} is not a customer object`);
      const value = json as Record<string, unknown>;
      const unknown = unknownKeys(value);
      if (unknown.length > 0 && !options.ignoreUnknownColumns) {
        throw new UserError(
          `${name}: line ${number}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}`,
          'use the canonical field names (see README, "The canonical customer"), or pass --ignore-unknown-columns',
        );
      }
      // checkDraft copies the draft before it changes anything, so a line of canonical keys only is its own draft.
      const canonical = unknown.length === 0 && !Object.hasOwn(value, 'reason');
      const draft = canonical ? value : Object.fromEntries(Object.entries(value).filter(([key]) => customerKeys.has(key)));
      const { customer, problems } = checkDraft(draft, `line ${number}`);
      const email = options.rejectInvalid ? emailProblem(customer.email) : undefined;
      if (email) problems.push(email);
      if (problems.length === 0) {
        yield customer;
        continue;
      }
      const reason = `${name}: line ${number}: ${problems.map((p) => `field ${p.field}: ${p.message}`).join('; ')}`;
      if (!options.rejectInvalid) throw new UserError(reason, `fix the field${problems.length > 1 ? 's' : ''} and run again`);
      yield markInvalid(customer, { reason, raw: { form: 'jsonl', value } });
    }
  }
}
