import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSpiffyEmulator, type SpiffyEmulatorHandle } from '../../src/dialects/spiffy/emulator.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';

/**
 * SPEC section 6, input files: a file that is not CSV/JSONL at all stops the
 * run with exit 2 before anything is sent; a well-formed line whose cells do
 * not validate rejects that one record (reason naming the line and every bad
 * column) and the rest is sent. The rejected line is written to the rejects
 * file as it was read, so it can be fixed and pushed again.
 */
const running: SpiffyEmulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function setup() {
  const handle = await startSpiffyEmulator({ customers: 0, seed: 4, rateLimit: { limit: 1_000_000 } });
  running.push(handle);
  const dir = tempDir();
  const profiles = writeProfiles(dir, { shop: handle.profile });
  const cli = (...args: string[]) => runCli(['--profiles', profiles, ...args], { cwd: dir });
  return { handle, dir, cli };
}

const header = 'key,email,first_name,last_name,date_of_birth,gender,marketing_opt_in,credit';

describe('a CSV line with bad cells', () => {
  it('rejects that record naming line and every bad column, sends the rest, and the fixed rejects file pushes', async () => {
    const { handle, dir, cli } = await setup();
    writeFileSync(
      join(dir, 'in.csv'),
      [
        header,
        'A1,ann@example.com,Ann,Ash,1980-01-31,f,true,10',
        'B2,bob@example.com,Bob,Birch,1990-02-30,m,false,',
        'C3,not-an-email,Cy,Cedar,1975-05-05,x,perhaps,lots',
        'D4,dee@example.com,Dee,Dale,,,,',
      ].join('\n') + '\n',
    );
    const result = await cli('push', '--to', 'shop', '--input', 'in.csv', '--rejects', 'rejects.csv');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('read 4 · created 2 · updated 0 · unchanged 0 · rejected 2 · failed 0');
    expect(handle.customers().map((c) => c.email).sort()).toEqual(['ann@example.com', 'dee@example.com']);

    const rejects = readFileSync(join(dir, 'rejects.csv'), 'utf8').trim().split('\n');
    expect(rejects).toHaveLength(3);
    expect(rejects[0]).toMatch(/^reason,key,email,/);
    expect(rejects[1]).toContain('in.csv: line 3, column date_of_birth: ""1990-02-30"" is not a day of the calendar');
    // Every bad cell of the row is named, in the order of the columns.
    expect(rejects[2]).toContain(
      'in.csv: line 4, column email: ""not-an-email"" is not an email address; column gender: ""x"" is not one of m, f, u; column marketing_opt_in: ""perhaps"" is not true or false; column credit: ""lots"" is not a number',
    );
    // The line is written as it was read, bad cells included, so it can be fixed by hand.
    expect(rejects[1]).toMatch(/",B2,bob@example\.com,,Bob,,Birch,,,,,1990-02-30,m,,,false,/);
    expect(rejects[2]).toMatch(/",C3,not-an-email,,Cy,,Cedar,,,,,1975-05-05,x,,,perhaps,,,,lots,/);

    const fixed = readFileSync(join(dir, 'rejects.csv'), 'utf8')
      .replace(',1990-02-30,', ',1990-02-28,')
      .replace(',not-an-email,', ',cy@example.com,')
      .replace(',x,,,perhaps,,,,lots,', ',u,,,false,,,,12,');
    writeFileSync(join(dir, 'fixed.csv'), fixed);
    const again = await cli('push', '--to', 'shop', '--input', 'fixed.csv');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('read 2 · created 2 · updated 0 · unchanged 0 · rejected 0 · failed 0');
    expect(handle.customers()).toHaveLength(4);
  });

  it('a dry run rejects the same lines and exits 1, sending nothing', async () => {
    const { handle, dir, cli } = await setup();
    writeFileSync(join(dir, 'in.csv'), `${header}\nA1,ann@example.com,Ann,Ash,1980-13-01,f,true,\nB2,bob@example.com,Bob,Birch,,,,\n`);
    const result = await cli('push', '--to', 'shop', '--input', 'in.csv', '--dry-run');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('dry run: read 2 · created 1 · updated 0 · unchanged 0 · rejected 1 · failed 0');
    expect(result.stderr).toContain('would reject A1: in.csv: line 2, column date_of_birth: "1980-13-01" is not a day of the calendar');
    expect(handle.stats().writes).toBe(0);
  });

  it('a file that is not CSV at all stops with exit 2 before anything is sent', async () => {
    const { handle, dir, cli } = await setup();
    writeFileSync(join(dir, 'broken.csv'), `${header}\nA1,ann@example.com,Ann,Ash,,,,\nB2,"bob@example.com,Bob,Birch,,,,\n`);
    const result = await cli('push', '--to', 'shop', '--input', 'broken.csv', '--rejects', 'rejects.csv');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/broken\.csv is not valid CSV at line \d+/);
    expect(handle.stats().requests).toBe(0);
    writeFileSync(join(dir, 'short.csv'), `${header}\nA1,ann@example.com,Ann\n`);
    const short = await cli('push', '--to', 'shop', '--input', 'short.csv');
    expect(short.code).toBe(2);
    expect(handle.stats().requests).toBe(0);
  });

  it('migrate rejects a source line with bad cells (reason in the report) and migrates the rest', async () => {
    const { handle, dir, cli } = await setup();
    writeFileSync(join(dir, 'in.csv'), `${header}\nA1,ann@example.com,Ann,Ash,,,,\nB2,bob@example.com,Bob,Birch,,q,,\n`);
    const result = await cli('migrate', '--from', 'csv:in.csv', '--to', 'shop', '--state', 'state', '--report', 'report.json');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('read 2 · created 1 · updated 0 · unchanged 0 · rejected 1 · failed 0');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { records: Array<{ key: string; status: string; reason?: string }> };
    expect(report.records.find((r) => r.key === 'B2')).toMatchObject({ status: 'rejected', reason: 'in.csv: line 3, column gender: "q" is not one of m, f, u' });
    expect(handle.customers().map((c) => c.email)).toEqual(['ann@example.com']);
  });
});

describe('a JSONL line with bad fields', () => {
  const good = { key: 'J1', email: 'jo@example.com', addresses: [], groups: [], custom: {} };

  it('rejects that record naming every bad field, sends the rest, and writes the line as read', async () => {
    const { handle, dir, cli } = await setup();
    const bad = { key: 'J2', email: 'jay@example.com', gender: 'male', marketingOptIn: 'yes', dateOfBirth: '1990-1-1', addresses: [], groups: [], custom: {} };
    writeFileSync(join(dir, 'in.jsonl'), [good, bad, { ...good, key: 'J3', email: 'jim@example.com' }].map((r) => JSON.stringify(r)).join('\n'));
    const result = await cli('push', '--to', 'shop', '--input', 'in.jsonl', '--rejects', 'rejects.jsonl');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('read 3 · created 2 · updated 0 · unchanged 0 · rejected 1 · failed 0');
    const [reject] = readFileSync(join(dir, 'rejects.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(reject).toEqual({
      reason: 'in.jsonl: line 2: field dateOfBirth: "1990-1-1" must be YYYY-MM-DD; field gender: "male" is not one of m, f, u; field marketingOptIn: "yes" is not a boolean',
      ...bad,
    });
    expect(handle.customers()).toHaveLength(2);
  });

  it('refuses an unknown key as CSV refuses an unknown column (exit 2, nothing sent), unless --ignore-unknown-columns', async () => {
    const { handle, dir, cli } = await setup();
    writeFileSync(join(dir, 'in.jsonl'), [good, { ...good, key: 'J2', email: 'jay@example.com', shoeSize: 42 }].map((r) => JSON.stringify(r)).join('\n'));
    const refused = await cli('push', '--to', 'shop', '--input', 'in.jsonl');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('in.jsonl: line 2: unknown key "shoeSize"');
    expect(refused.stderr).toContain('--ignore-unknown-columns');
    expect(handle.stats().requests).toBe(0);
    const pulled = await cli('pull', '--from', 'jsonl:in.jsonl');
    expect(pulled.code).toBe(2);

    const accepted = await cli('push', '--to', 'shop', '--input', 'in.jsonl', '--ignore-unknown-columns');
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stderr).toContain('created 2');
  });

  it('a line that is not JSON, or not an object, stops with exit 2 before anything is sent', async () => {
    const { handle, dir, cli } = await setup();
    writeFileSync(join(dir, 'a.jsonl'), `${JSON.stringify(good)}\n[1,2]\n`);
    const array = await cli('push', '--to', 'shop', '--input', 'a.jsonl');
    expect(array.code).toBe(2);
    expect(array.stderr).toContain('a.jsonl: line 2 is not a customer object');
    writeFileSync(join(dir, 'b.jsonl'), `${JSON.stringify(good)}\n{"key": "x",\n`);
    const broken = await cli('push', '--to', 'shop', '--input', 'b.jsonl');
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('b.jsonl: line 2 is not valid JSON');
    expect(handle.stats().requests).toBe(0);
  });
});
