import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import type { Customer } from '../../src/core/customer.js';
import { generateCustomers } from '../../src/emulator/generator.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { cliPath, runCli, summaryCounts, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';
import { headers } from '../helpers/form-headers.js';

/**
 * The platforms' customer spreadsheets through the CLI, as a user meets
 * them: exports with leading quotes, unicode, metafield columns and a row
 * without email, saved by Excel in Latin-1 with `;`, pushed to the Propeller
 * emulator over loopback; and the import files custsync writes.
 */

const counts = summaryCounts;

function jsonl(text: string): Customer[] {
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Customer);
}

function table(text: string): string[][] {
  return parse(text, { relax_column_count: false }) as string[][];
}

let emulator: EmulatorHandle | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function propeller(): Promise<{ dir: string; profiles: string; handle: EmulatorHandle }> {
  emulator = await startEmulator('propeller', { customers: 0, seed: 1 });
  const dir = tempDir();
  return { dir, profiles: writeProfiles(dir, { prop: emulator.profile }), handle: emulator };
}

/** A Shopify admin export as the admin hands it over: text-marked ids, phones, zips and dates; a metafield; unicode; a quoted multi-line note. */
const exportHeader = `${headers.shopifyExport},Accepts WhatsApp Marketing,Birth date (customer.metafields.facts.birth_date)`;
const shopifyExport = [
  exportHeader,
  `'7081234567890,José,Müller,jose.muller@example.com,yes,Café Olé S.A.,Calle 80 #12-34,Apto 501,Bogotá,DC,CO,'110111,'+573001112233,'+573001112233,no,1234.50,7,"Prefers ""morning"" calls,
second line",no,"vip, wholesale",no,'1988-04-12`,
  `'7081234567891,Zoë,O'Brien,,no,,,,,,,,,'+447700900123,yes,0.00,0,,no,,,`,
  `'7081234567892,Łukasz,Wróbel,lukasz@example.pl,no,,ul. Długa 5,,Gdańsk,,PL,'80-831,,'+48501234567,no,15.00,1,"=HYPERLINK(""http://x"")",yes,b2b,yes,`,
  `'7081234567893,Maria,Gomez,maria@localhost,no,,,,,,,,,,no,0.00,0,,no,,,`,
  `'7081234567890,José,Müller,jose.muller@example.com,yes,Café Olé S.A.,Calle 80 #12-34,Apto 501,Bogotá,DC,CO,'110111,'+573001112233,'+573001112233,no,1234.50,7,,no,"vip, wholesale",no,'1988-04-12`,
].join('\n');

describe('push a Shopify export', () => {
  it('loads a real export into Propeller, with rejects and the conservation line', async () => {
    const { dir, profiles } = await propeller();
    const input = join(dir, 'customers_export.csv');
    writeFileSync(input, shopifyExport);
    const rejects = join(dir, 'rejects.csv');
    const result = await runCli(['push', '--to', 'prop', '--input', `shopify-csv:${input}`, '--rejects', rejects, '--profiles', profiles], { cwd: dir });
    expect(result.code, result.stderr).toBe(1);
    expect(counts(result.stderr)).toEqual({ read: 5, created: 3, updated: 0, unchanged: 0, rejected: 2, failed: 0 });
    // What Propeller cannot hold is said as migrate says it.
    expect(result.stderr).toMatch(/note: prop cannot hold \d+ fields? that records of .* have/);
    expect(result.stderr).toMatch(/^  .*\bgroups \(\d+\)/m);
    const rejected = table(readFileSync(rejects, 'utf8'));
    expect(rejected[0].slice(0, 3)).toEqual(['reason', 'key', 'email']);
    expect(rejected.slice(1).map((r) => r[1]).sort()).toEqual(['7081234567890', '7081234567893']);
    expect(rejected.find((r) => r[1] === '7081234567893')![0]).toMatch(/email/);

    const pulled = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--profiles', profiles], { cwd: dir });
    const landed = jsonl(pulled.stdout);
    expect(landed.map((r) => r.key).sort()).toEqual(['7081234567890', '7081234567891', '7081234567892']);
    const jose = landed.find((r) => r.key === '7081234567890')!;
    expect(jose).toMatchObject({ email: 'jose.muller@example.com', firstName: 'José', lastName: 'Müller', phone: '+573001112233', dateOfBirth: '1988-04-12' });
    expect(jose.addresses[0]).toMatchObject({ city: 'Bogotá', postcode: '110111', countryCode: 'CO' });
    // The row without email landed too, keyed by its Customer ID.
    expect(landed.find((r) => r.key === '7081234567891')).toMatchObject({ firstName: 'Zoë', phone: '+447700900123' });
  });

  it('recognises the export without a prefix and says which form it read', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'export.csv'), shopifyExport);
    const result = await runCli(['push', '--to', 'jsonl:out.jsonl', '--input', 'export.csv'], { cwd: dir });
    expect(result.stderr).toContain('push: reading export.csv as Shopify customer CSV (shopify-csv), recognised by its header');
    expect(counts(result.stderr)).toMatchObject({ read: 5, created: 4, rejected: 1 });
    const records = jsonl(readFileSync(join(dir, 'out.jsonl'), 'utf8'));
    expect(records.find((r) => r.key === '7081234567892')).toMatchObject({ note: '=HYPERLINK("http://x")', custom: { tax_exempt: 'true', accepts_whatsapp_marketing: 'true' } });
  });

  it('an ambiguous or unknown header is exit 2 naming the columns, and nothing is written', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'names.csv'), 'First Name,Last Name,Email,Tags\nAna,Gómez,ana@example.com,vip\n');
    const ambiguous = await runCli(['push', '--to', 'jsonl:out.jsonl', '--input', 'names.csv'], { cwd: dir });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('names.csv: the header fits more than one form: Shopify customer CSV, Matrixify customers sheet (columns "First Name", "Last Name", "Email", "Tags")');
    expect(ambiguous.stderr).toContain('--format shopify or --format matrixify');
    // Named, it is read.
    const named = await runCli(['push', '--to', 'jsonl:out.jsonl', '--input', 'names.csv', '--format', 'shopify'], { cwd: dir });
    expect(named.code, named.stderr).toBe(0);

    writeFileSync(join(dir, 'german.csv'), 'Vorname,Nachname,E-Mail\nJürgen,Müller,j@example.de\n');
    const unknown = await runCli(['push', '--to', 'jsonl:unknown.jsonl', '--input', 'german.csv'], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('german.csv: the header is not one custsync reads: no form custsync reads has the columns "Vorname", "Nachname", "E-Mail"');
    expect(existsSync(join(dir, 'unknown.jsonl'))).toBe(false);
    expect(unknown.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it("Shopify's headers are case-sensitive, and the error says so", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.csv'), 'First Name,last name,Email\nAna,Gómez,ana@example.com\n');
    const result = await runCli(['push', '--to', 'jsonl:out.jsonl', '--input', 'shopify-csv:in.csv'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('in.csv: the Shopify customer CSV has no column "last name"');
    expect(result.stderr).toContain('"last name" must be "Last Name"');
  });
});

describe('files as spreadsheets save them', () => {
  /** A WooCommerce export saved by Excel in a German locale: Windows-1252 bytes, `;` between cells. */
  function excelWoo(): Buffer {
    const lines = [
      `${headers.woocommerce.replaceAll(',', ';')};meta:kundennummer`,
      '17;Jürgen;Müller;juergen@example.de;2023-01-15 10:20:30;Jürgen;Müller;Müller & Söhne GmbH;rechnung@example.de;+49 30 123456;Hauptstraße 5;;10115;Berlin;BE;DE;Jürgen;Müller;;Lager 2;Tor 3;10117;Berlin;BE;DE;K-0042',
      '18;Renée;Dupont;renee@example.fr;2023-02-01 08:00:00;Renée;Dupont;;;+33 1 23 45 67 89;12 rue de la Paix;;75002;Paris;;FR;;;;;;;;;;',
    ];
    return Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1');
  }

  it('refuses Latin-1 read as UTF-8 with exit 2 naming the line and --encoding, and reads it when told', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'kunden.csv'), excelWoo());
    const refused = await runCli(['push', '--to', 'jsonl:out.jsonl', '--input', 'kunden.csv'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('kunden.csv: line 2 is not valid UTF-8: byte 0xFC after "17;J"');
    expect(refused.stderr).toContain('--encoding windows-1252');
    expect(existsSync(join(dir, 'out.jsonl'))).toBe(false);

    const read = await runCli(['push', '--to', 'jsonl:out.jsonl', '--input', 'kunden.csv', '--encoding', 'windows-1252'], { cwd: dir });
    expect(read.code, read.stderr).toBe(0);
    // The `;` header is found and said, once.
    expect(read.stderr.match(/the header is separated by ";" \(semicolon\)/g)).toHaveLength(1);
    expect(read.stderr).toContain('reading kunden.csv as WooCommerce customer export (woocommerce-csv)');
    const [juergen, renee] = jsonl(readFileSync(join(dir, 'out.jsonl'), 'utf8'));
    expect(juergen).toMatchObject({ key: '17', firstName: 'Jürgen', company: 'Müller & Söhne GmbH', custom: { billing_email: 'rechnung@example.de', kundennummer: 'K-0042' } });
    expect(juergen.addresses.map((a) => [a.kind, a.lines.join('|')])).toEqual([
      ['billing', 'Hauptstraße 5'],
      ['shipping', 'Lager 2|Tor 3'],
    ]);
    expect(renee).toMatchObject({ key: '18', firstName: 'Renée', createdAt: '2023-02-01T08:00:00.000Z' });
  });

  it('--delimiter overrides what the header suggests, and a UTF-16 file with its byte order mark is read', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'unicode.csv'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('email\tfirst_name\nzoe@example.com\tZoë\n', 'utf16le')]));
    const result = await runCli(['pull', '--from', 'csv:unicode.csv', '--format', 'jsonl'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(jsonl(result.stdout)).toEqual([expect.objectContaining({ key: 'zoe@example.com', firstName: 'Zoë' })]);
    expect(result.stderr).toContain('byte order mark');

    writeFileSync(join(dir, 'pipes.csv'), 'email|note\na@example.com|one, two; three\n');
    const piped = await runCli(['pull', '--from', 'csv:pipes.csv', '--format', 'jsonl', '--delimiter', '|'], { cwd: dir });
    expect(jsonl(piped.stdout)[0].note).toBe('one, two; three');
    const bad = await runCli(['pull', '--from', 'csv:pipes.csv', '--encoding', 'ebcdic'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--encoding must be one of utf-8, utf-16, windows-1252, latin1, not "ebcdic"');
  });

  it('a hand-made list without a key column is keyed by its emails; a row without one is rejected, naming it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'new.csv'), 'email,first_name,last_name\nana@example.com,Ana,Gómez\nbo@example.com,Bo,Ek\n');
    const result = await runCli(['push', '--to', 'jsonl:out.jsonl', '--input', 'new.csv'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(jsonl(readFileSync(join(dir, 'out.jsonl'), 'utf8')).map((r) => r.key)).toEqual(['ana@example.com', 'bo@example.com']);
    writeFileSync(join(dir, 'gap.csv'), 'email,first_name\nana@example.com,Ana\n,Nobody\n');
    const gap = await runCli(['push', '--to', 'jsonl:gap.jsonl', '--input', 'gap.csv'], { cwd: dir });
    // A well-formed line whose cell does not validate rejects that record; the rest is sent (SPEC section 6).
    expect(gap.code, gap.stderr).toBe(1);
    expect(gap.stderr).toContain('gap.csv: line 3, column email: is empty, and in a file without a "key" column the email is the key');
    expect(jsonl(readFileSync(join(dir, 'gap.jsonl'), 'utf8')).map((r) => r.key)).toEqual(['ana@example.com']);
  });
});

describe('writing the platforms\' import files', () => {
  it('pull --format shopify writes the import template, formula-safe, and says what it cannot hold', async () => {
    const dir = tempDir();
    const result = await runCli(['pull', '--from', 'sandbox:spiffy', '--format', 'shopify'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const rows = table(result.stdout);
    expect(result.stdout.split('\n')[0]).toBe(headers.shopifyTemplate);
    expect(rows).toHaveLength(51);
    expect(new Set(rows.slice(1).map((r) => r[3]))).toEqual(new Set(['yes', 'no']));
    const notes = rows.slice(1).map((r) => r[15]).filter((note) => note !== '');
    expect(notes.length).toBeGreaterThan(0);
    // Cells a spreadsheet would run are written with a leading '.
    for (const note of notes) expect(note).not.toMatch(/^[=+\-@]/);
    expect(notes.some((note) => note.startsWith("'="))).toBe(true);
    expect(result.stderr).toMatch(/note: the Shopify customer CSV cannot hold totalSpent \(\d+ records\)/);
    expect(result.stderr).toContain('read 50');
  });

  it.each(['shopify', 'woocommerce', 'matrixify'])('a %s file read and written again is the same file', async (format) => {
    const dir = tempDir();
    const first = await runCli(['pull', '--from', 'sandbox:spiffy', '--format', format, '-o', 'first.csv'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const again = await runCli(['pull', '--from', `${format}-csv:first.csv`, '--format', format, '-o', 'second.csv'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(dir, 'second.csv'), 'utf8')).toBe(readFileSync(join(dir, 'first.csv'), 'utf8'));
    expect(again.stderr).not.toContain('cannot hold');
    // And through push, keyed and recognised by its header.
    const pushed = await runCli(['push', '--to', `${format}-csv:third.csv`, '--input', 'first.csv'], { cwd: dir });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(readFileSync(join(dir, 'third.csv'), 'utf8')).toBe(readFileSync(join(dir, 'first.csv'), 'utf8'));
  });

  it('a Matrixify export with several rows per customer and extra columns is read as one customer each', async () => {
    const dir = tempDir();
    const header = `${headers.matrixify},Row #,Top Row,Metafield: custom.tier [single_line_text_field],Metafield: facts.birth_date [date]`;
    const columns = header.split(',');
    const line = (cells: Record<string, string>) => columns.map((c) => (cells[c] ?? '').includes(',') ? `"${cells[c]}"` : (cells[c] ?? '')).join(',');
    const text = [
      header,
      line({ ID: '6001', Email: 'li.wei@example.com', 'First Name': 'Wei', 'Last Name': 'Li', State: 'enabled', Tags: 'vip, trade', 'Email Marketing: Status': 'subscribed', 'Address ID': '9001', 'Address Line 1': '1 Nanjing Rd', 'Address City': 'Shanghai', 'Address Country Code': 'CN', 'Address Is Default': 'TRUE', 'Row #': '1', 'Top Row': 'TRUE', 'Metafield: custom.tier [single_line_text_field]': 'gold', 'Metafield: facts.birth_date [date]': '1979-02-03' }),
      line({ ID: '6001', Email: 'li.wei@example.com', 'Address ID': '9002', 'Address Line 1': '8 Queen St', 'Address City': 'Auckland', 'Address Country Code': 'NZ', 'Address Is Default': 'FALSE', 'Row #': '2' }),
      line({ ID: '6002', Email: 'sam@example.com', 'First Name': 'Sam', 'Row #': '3', 'Top Row': 'TRUE' }),
    ].join('\n');
    writeFileSync(join(dir, 'Customers.csv'), text);
    const result = await runCli(['pull', '--from', 'matrixify-csv:Customers.csv', '--format', 'jsonl'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const [wei, sam] = jsonl(result.stdout);
    expect(jsonl(result.stdout)).toHaveLength(2);
    expect(wei).toMatchObject({ key: '6001', groups: ['vip', 'trade'], marketingOptIn: true, status: 'active', dateOfBirth: '1979-02-03', custom: { 'custom.tier': 'gold' } });
    expect(wei.addresses.map((a) => [a.externalId, a.city, a.isDefault])).toEqual([
      ['9001', 'Shanghai', true],
      ['9002', 'Auckland', false],
    ]);
    expect(sam).toMatchObject({ key: '6002', firstName: 'Sam', addresses: [] });
    // Written back: every row MERGE, ids kept (they are Shopify's).
    const out = await runCli(['push', '--to', 'matrixify-csv:out.csv', '--input', 'Customers.csv'], { cwd: dir });
    expect(out.code, out.stderr).toBe(0);
    const rows = table(readFileSync(join(dir, 'out.csv'), 'utf8'));
    expect(rows.slice(1).map((r) => [r[0], r[2], r[12]])).toEqual([
      ['6001', 'MERGE', '9001'],
      ['6001', 'MERGE', '9002'],
      ['6002', 'MERGE', ''],
    ]);
  });

  it('--max-bytes splits a file between customers, each part with the header; over 1 MB Shopify is warned about', async () => {
    const dir = tempDir();
    const split = await runCli(['pull', '--from', 'sandbox:spiffy', '--format', 'matrixify', '-o', 'customers.csv', '--max-bytes', '4000'], { cwd: dir });
    expect(split.code, split.stderr).toBe(0);
    const parts = readdirSync(dir).filter((name) => /^customers(-\d+)?\.csv$/.test(name)).sort((a, b) => a.length - b.length || a.localeCompare(b));
    expect(parts.length).toBeGreaterThan(2);
    expect(split.stderr).toContain(`wrote ${parts.length} files of at most 4000 bytes: customers.csv, customers-2.csv`);
    const customers = new Set<string>();
    for (const part of parts) {
      expect(statSync(join(dir, part)).size).toBeLessThanOrEqual(4000);
      const rows = table(readFileSync(join(dir, part), 'utf8'));
      expect(rows[0].join(',')).toBe(headers.matrixify.split(',').slice(0, 26).join(','));
      // No customer's rows straddle two parts.
      const emails = new Set(rows.slice(1).map((r) => r[1]));
      for (const email of emails) expect(customers.has(email)).toBe(false);
      emails.forEach((email) => customers.add(email));
    }
    expect(customers.size).toBe(50);

    const records = [...generateCustomers(7000, 5)].map((r) => JSON.stringify(r)).join('\n');
    writeFileSync(join(dir, 'many.jsonl'), `${records}\n`);
    const big = await runCli(['pull', '--from', 'jsonl:many.jsonl', '--format', 'shopify', '-o', 'big.csv'], { cwd: dir });
    expect(big.code, big.stderr).toBe(0);
    expect(statSync(join(dir, 'big.csv')).size).toBeGreaterThan(1_000_000);
    expect(big.stderr).toMatch(/warning: big\.csv is \d+ bytes, more than the 1 MB Shopify's customer import takes: split it with --max-bytes 1000000/);

    const stdout = await runCli(['pull', '--from', 'sandbox:spiffy', '--format', 'shopify', '--max-bytes', '4000'], { cwd: dir });
    expect(stdout.code).toBe(2);
    expect(stdout.stderr).toContain('--max-bytes');
  });

  it('search --format shopify writes the import template of what it found', async () => {
    const result = await runCli(['search', '--in', 'sandbox:spiffy', '--where', 'email ~ .1@', '--format', 'shopify']);
    expect(result.code, result.stderr).toBe(0);
    const rows = table(result.stdout);
    expect(rows[0].join(',')).toBe(headers.shopifyTemplate);
    expect(rows.length).toBeGreaterThan(1);
  });
});

/** A Shopify admin export of generated customers, written as the admin writes it (not by custsync). */
function adminExport(count: number, seed: number): string {
  const quote = (cell: string) => (/[",\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
  const lines = [headers.shopifyExport];
  for (const c of generateCustomers(count, seed)) {
    const a = c.addresses[0];
    const cells = [
      `'${9_000_000_000 + Number(c.key.slice(1))}`,
      c.firstName ?? '',
      c.lastName ?? '',
      c.email ?? '',
      c.marketingOptIn ? 'yes' : 'no',
      a?.company ?? '',
      a?.lines[0] ?? '',
      a?.lines[1] ?? '',
      a?.city ?? '',
      a?.regionCode ?? '',
      a?.countryCode ?? '',
      a?.postcode ? `'${a.postcode}` : '',
      a?.phone ? `'${a.phone}` : '',
      c.phone ? `'${c.phone}` : '',
      'no',
      '0.00',
      '0',
      c.note ?? '',
      'no',
      c.groups.join(', '),
    ];
    lines.push(cells.map(quote).join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('migrate from a Shopify export', () => {
  it('migrates, a re-run sends nothing, and after a kill --resume leaves every customer exactly once', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'export.csv'), adminExport(120, 6));
    emulator = await startEmulator('propeller', { customers: 0, seed: 1, latencyMs: 15 });
    const target = emulator;
    const profiles = writeProfiles(dir, { prop: { ...target.profile, batchSize: 10 } });
    const args = ['migrate', '--from', 'shopify-csv:export.csv', '--to', 'prop', '--profiles', profiles, '--state', join(dir, 'state')];

    const child = spawn(process.execPath, [cliPath, ...args], { cwd: dir, env: { ...process.env, CI: 'true' }, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const deadline = Date.now() + 20_000;
    while (target.stats().writes < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await exited;

    const resumed = await runCli([...args, '--resume'], { cwd: dir });
    expect([0, 1], resumed.stderr).toContain(resumed.code);
    expect(resumed.stderr).toMatch(/resuming run #1/);
    const c = counts(resumed.stderr);
    expect(c.read).toBe(120);
    const pulled = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--profiles', profiles], { cwd: dir });
    const keys = jsonl(pulled.stdout).map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(120 - c.rejected);
    expect(keys).toContain('9000000001');

    const writes = target.stats().writes;
    const again = await runCli(args, { cwd: dir });
    expect(counts(again.stderr)).toMatchObject({ read: 120, unchanged: 120 - c.rejected });
    expect(target.stats().writes).toBe(writes);
  });
});
