import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseCustomer, type Customer } from '../../src/core/customer.js';
import { CsvWriter, readCsv } from '../../src/io/csv.js';
import { readJsonl } from '../../src/io/jsonl.js';

async function toCsv(records: Customer[], raw = false): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const writer = new CsvWriter(out, { raw });
  for (const record of records) await writer.write(record);
  await writer.end();
  return text;
}

async function fromCsv(text: string): Promise<Customer[]> {
  const out: Customer[] = [];
  for await (const record of readCsv(Readable.from([Buffer.from(text)]), { name: 'test.csv' })) out.push(record);
  return out;
}

const nasty = parseCustomer({
  key: 'K,1',
  email: 'Zoë.O\'Brien@Example.com',
  firstName: 'Zoë',
  lastName: "O'Brien",
  company: 'Smith, Jones & "Partners"',
  phone: '+31 (0)20-123.4567',
  note: 'line one\nline two, with "quotes"\r\nand a tab\there',
  groups: ['vip', 'b2b trade'],
  marketingOptIn: false,
  discountPercent: -5.5,
  credit: 0,
  custom: { custom_data1: '=HYPERLINK("x")', 'weird key': '@home' },
  addresses: [
    { kind: 'billing', isDefault: true, lines: ['1 Main St', '', 'Floor 3', 'Room 4'], city: 'Zürich', countryCode: 'CH' },
    { kind: 'shipping', isDefault: true, lines: ['-5 Minus Rd'], city: 'Łódź', postcode: '90-001' },
    { kind: 'shipping', isDefault: false, lines: ['Second, Place'], company: 'Co "B"' },
  ],
});

describe('CSV of canonical customers', () => {
  it('round trips quotes, commas, newlines, non-ASCII, formulas, extra lines and addresses exactly', async () => {
    const csv = await toCsv([nasty]);
    expect(await fromCsv(csv)).toEqual([nasty]);
    expect(await toCsv(await fromCsv(csv))).toBe(csv);
  });

  it('guards formula cells unless raw, and keeps numbers and phone numbers as they are', async () => {
    const record = parseCustomer({ key: 'K', note: '=1+1', title: '-x', phone: '+44 20 7946 0958', custom: {} });
    const guarded = await toCsv([record]);
    expect(guarded).toContain(",'=1+1,");
    expect(guarded).toContain(",'-x,");
    expect(guarded).toContain(',+44 20 7946 0958,');
    const raw = await toCsv([record], true);
    expect(raw).toContain(',=1+1,');
    expect(await fromCsv(guarded)).toEqual([record]);
  });

  it('reads a BOM and CRLF line endings', async () => {
    const plain = parseCustomer({ key: 'K1', email: 'a@b.c', groups: ['x'], custom: {} });
    const csv = await toCsv([plain, { ...plain, key: 'K2' }]);
    const windows = `\ufeff${csv.replace(/\n/g, '\r\n')}`;
    expect(await fromCsv(windows)).toEqual([plain, { ...plain, key: 'K2' }]);
  });

  it('writes the header alone for no records, and reads that back as none', async () => {
    const csv = await toCsv([]);
    expect(csv.split('\n')[0]).toMatch(/^key,email,title,/);
    expect(await fromCsv(csv)).toEqual([]);
  });

  it('names the line and column of a bad cell', async () => {
    const csv = await toCsv([nasty, parseCustomer({ key: 'K2', custom: {} })]);
    const broken = csv.replace(/(\nK2(,[^,\n]*){13}),/, '$1,maybe');
    // Line 7: the first record's quoted cells span lines 2 to 6.
    await expect(fromCsv(broken)).rejects.toThrow('test.csv: line 7, column marketing_opt_in: "maybe" is not true or false');
  });
});

describe('JSONL of canonical customers', () => {
  it('reads what JSON.stringify wrote, and names the line of a bad one', async () => {
    const text = `${JSON.stringify(nasty)}\n\n{"key": ""}\n`;
    const out: Customer[] = [];
    const run = async () => {
      for await (const record of readJsonl(Readable.from([Buffer.from(text)]), 'in.jsonl')) out.push(record);
    };
    await expect(run()).rejects.toThrow(/in\.jsonl: line 3: field key/);
    expect(out).toEqual([nasty]);
  });
});
