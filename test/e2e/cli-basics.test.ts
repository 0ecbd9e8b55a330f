import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateCustomers } from '../../src/emulator/generator.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function noStackTrace(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('custsync CLI basics', () => {
  it('--help lists every subcommand with a description and examples', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['pull', 'push', 'migrate', 'diff', 'search', 'profiles', 'sandbox']) {
      expect(result.stdout).toMatch(new RegExp(`\\n  ${command} .*\\S`));
    }
    expect(result.stdout).toContain('Examples:');
  });

  it('every subcommand has --help with examples', async () => {
    for (const command of ['pull', 'push', 'search', 'profiles', 'sandbox']) {
      const result = await runCli([command, '--help']);
      expect(result.code, command).toBe(0);
      expect(result.stdout, command).toContain('Examples:');
    }
  });

  it('--version prints the package version', async () => {
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it('an unknown subcommand is exit 2 with a message', async () => {
    const result = await runCli(['pul', '--from', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command 'pul'/);
    expect(result.stderr).toMatch(/pull/);
  });

  it('an unknown flag is exit 2 naming it', async () => {
    const result = await runCli(['pull', '--from', 'csv:x.csv', '--colour']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--colour'");
  });

  it('a bad flag value is exit 2 naming the flag', async () => {
    const result = await runCli(['pull', '--from', 'csv:x.csv', '--limit', 'lots']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--limit must be a positive whole number');
  });

  it('global options are accepted before and after the subcommand', async () => {
    const dir = tempDir();
    const profiles = writeProfiles(dir, { file: { dialect: 'csv', path: join(dir, 'nope.csv') } });
    const before = await runCli(['--profiles', profiles, 'profiles', 'list']);
    const after = await runCli(['profiles', 'list', '--profiles', profiles]);
    expect(before.stdout).toContain('file\tcsv');
    expect(after.stdout).toBe(before.stdout);
  });
});

describe('profiles', () => {
  let dir: string;
  let profiles: string;
  beforeAll(() => {
    dir = tempDir();
    profiles = writeProfiles(dir, {
      shop: { dialect: 'csv', path: join(dir, 'in.csv') },
      api: { dialect: 'jsonl', baseUrl: 'https://api.example.com', auth: { type: 'bearer', token: '${SHOP_TOKEN}' } },
      plain: { dialect: 'jsonl', baseUrl: 'http://api.example.com' },
      broken: { dialect: 'jsonl', auth: { type: 'bearer' } },
    });
  });

  it('list shows every profile from --profiles', async () => {
    const result = await runCli(['profiles', 'list', '--profiles', profiles]);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0])).toEqual(['shop', 'api', 'plain', 'broken']);
  });

  it('$CUSTSYNC_PROFILES is used when --profiles is not given', async () => {
    const result = await runCli(['profiles', 'list'], { env: { CUSTSYNC_PROFILES: profiles } });
    expect(result.stdout).toContain('shop\tcsv');
  });

  it('./custsync.profiles.json is used next', async () => {
    writeFileSync(join(dir, 'custsync.profiles.json'), JSON.stringify({ profiles: { local: { dialect: 'csv', path: 'x.csv' } } }));
    const result = await runCli(['profiles', 'list'], { cwd: dir });
    expect(result.stdout).toContain('local\tcsv');
  });

  it('show interpolates ${VAR} and masks the secret', async () => {
    const result = await runCli(['profiles', 'show', 'api', '--profiles', profiles], { env: { SHOP_TOKEN: 'sekrit-token-123' } });
    expect(result.code).toBe(0);
    const shown = JSON.parse(result.stdout) as { auth: { token: string } };
    expect(shown.auth.token).toBe('********');
    expect(result.stdout + result.stderr).not.toContain('sekrit-token-123');
  });

  it('a missing environment variable is exit 2 naming it', async () => {
    // (profiles show shows the placeholder instead: test/e2e/profiles-show-add.test.ts)
    const result = await runCli(['pull', '--from', 'api', '--profiles', profiles], { env: { SHOP_TOKEN: undefined } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('environment variable SHOP_TOKEN is not set');
    noStackTrace(result.stderr);
  });

  it('an unknown profile is exit 2 listing the known ones', async () => {
    const result = await runCli(['pull', '--from', 'shopp', '--profiles', profiles]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown profile "shopp"');
    expect(result.stderr).toContain('known profiles: shop, api, plain, broken');
  });

  it('http:// to a non-loopback host is exit 2', async () => {
    const result = await runCli(['profiles', 'show', 'plain', '--profiles', profiles]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('baseUrl must be https://');
  });

  it('an invalid profile names the profile and the field', async () => {
    const result = await runCli(['profiles', 'show', 'broken', '--profiles', profiles]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/profile "broken": auth\.token: /);
  });

  it('credentials written into baseUrl are never printed', async () => {
    const file = writeProfiles(tempDir(), { creds: { dialect: 'spiffy', baseUrl: 'http://me:URLPASS-111@127.0.0.1:9', auth: { type: 'bearer', token: 'tok-123456' }, retries: 0 } });
    const show = await runCli(['profiles', 'show', 'creds', '--profiles', file]);
    const pull = await runCli(['pull', '--from', 'creds', '--profiles', file, '--verbose']);
    expect(pull.code).toBe(3);
    expect(show.stdout).toContain('"baseUrl": "http://***@127.0.0.1:9"');
    expect(show.stdout + show.stderr + pull.stdout + pull.stderr).not.toContain('URLPASS-111');
  });

  it('add refuses a profile that could not be used', async () => {
    const env = { CUSTSYNC_CONFIG_DIR: tempDir() };
    const noUrl = await runCli(['profiles', 'add', 'shop', '--dialect', 'spiffy', '--auth', 'bearer', '--token', 'x'], { env });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('--dialect spiffy needs --base-url');
    const noPath = await runCli(['profiles', 'add', 'file', '--dialect', 'csv'], { env });
    expect(noPath.code).toBe(2);
    expect(noPath.stderr).toContain('--dialect csv needs --path');
    const list = await runCli(['profiles', 'list'], { env });
    expect(list.stdout).toBe('');
  });

  it('a missing profiles file is exit 2 naming it', async () => {
    const result = await runCli(['profiles', 'list', '--profiles', join(dir, 'missing.json')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('missing.json');
    expect(result.stderr).toContain('does not exist');
  });

  it('add and remove edit the user store, which list then shows', async () => {
    const store = tempDir();
    const env = { CUSTSYNC_CONFIG_DIR: store };
    const add = await runCli(['profiles', 'add', 'mine', '--dialect', 'csv', '--path', 'a.csv'], { env, cwd: store });
    expect(add.code).toBe(0);
    const list = await runCli(['profiles', 'list'], { env, cwd: store });
    expect(list.stdout).toContain('mine\tcsv\ta.csv');
    const remove = await runCli(['profiles', 'remove', 'mine'], { env, cwd: store });
    expect(remove.code).toBe(0);
    const again = await runCli(['profiles', 'remove', 'mine'], { env, cwd: store });
    expect(again.code).toBe(2);
  });

  it('test reads through the profile and says what it found', async () => {
    const dir2 = tempDir();
    const csv = await runCli(['pull', '--from', 'jsonl:-', '--format', 'csv'], { input: '', cwd: dir2 });
    writeFileSync(join(dir2, 'in.csv'), csv.stdout);
    const file = writeProfiles(dir2, { shop: { dialect: 'csv', path: join(dir2, 'in.csv') } });
    const result = await runCli(['profiles', 'test', 'shop', '--profiles', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('OK');
  });
});

describe('file forms: CSV ⇄ JSONL', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    const lines = [...generateCustomers(300, 7)].map((c) => JSON.stringify(c));
    writeFileSync(join(dir, 'gen.jsonl'), `${lines.join('\n')}\n`);
  });

  it('round trips: pull wrote in.csv, back.csv equals it byte for byte', async () => {
    const first = await runCli(['pull', '--from', 'jsonl:gen.jsonl', '-o', 'in.csv'], { cwd: dir });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('read 300');
    const toJsonl = await runCli(['pull', '--from', 'csv:in.csv', '--format', 'jsonl'], { cwd: dir });
    expect(toJsonl.code).toBe(0);
    writeFileSync(join(dir, 'out.jsonl'), toJsonl.stdout);
    const back = await runCli(['pull', '--from', 'jsonl:out.jsonl'], { cwd: dir });
    expect(back.code).toBe(0);
    expect(back.stdout).toBe(readFileSync(join(dir, 'in.csv'), 'utf8'));
    // The generated base has the nasty cells the round trip must survive.
    expect(back.stdout).toMatch(/"[^"]*\n[^"]*"/);
    expect(back.stdout).toContain('""');
    expect(back.stdout).toContain("O'");
    expect(back.stdout).toMatch(/[äöüéłñ]/);
    expect(back.stdout).toContain("'=SUM");
  });

  it('JSONL is exactly the canonical object', async () => {
    const result = await runCli(['pull', '--from', 'jsonl:gen.jsonl', '--format', 'jsonl', '--limit', '2'], { cwd: dir });
    const source = readFileSync(join(dir, 'gen.jsonl'), 'utf8').split('\n').slice(0, 2);
    expect(result.stdout.trim().split('\n')).toEqual(source);
  });

  it('the header is exactly the SPEC order', async () => {
    const result = await runCli(['pull', '--from', 'jsonl:gen.jsonl', '--limit', '1'], { cwd: dir });
    expect(result.stdout.split('\n')[0]).toBe(
      'key,email,title,first_name,middle_name,last_name,company,phone,mobile,alt_phone,date_of_birth,gender,language,groups,marketing_opt_in,status,discount_percent,wholesale,credit,total_spent,orders_count,note,external_id,created_at,updated_at,billing_name,billing_company,billing_first_name,billing_last_name,billing_line1,billing_line2,billing_line3,billing_city,billing_region,billing_region_code,billing_postcode,billing_country,billing_country_code,billing_phone,shipping_name,shipping_company,shipping_first_name,shipping_last_name,shipping_line1,shipping_line2,shipping_line3,shipping_city,shipping_region,shipping_region_code,shipping_postcode,shipping_country,shipping_country_code,shipping_phone,more_addresses,custom',
    );
  });

  it('--format json is one valid JSON document', async () => {
    const result = await runCli(['pull', '--from', 'jsonl:gen.jsonl', '--format', 'json', '--where', 'key <= C000005'], { cwd: dir });
    const parsed = JSON.parse(result.stdout) as Array<{ key: string }>;
    expect(parsed.map((c) => c.key)).toEqual(['C000001', 'C000002', 'C000003', 'C000004', 'C000005']);
  });

  it('--where, --since and --fields filter and pick', async () => {
    const result = await runCli(
      ['pull', '--from', 'jsonl:gen.jsonl', '--where', 'email ~ .1', '--since', '2026-01-01', '--fields', 'key,email,updated_at'],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    const rows = result.stdout.trim().split('\n');
    expect(rows[0]).toBe('key,email,updated_at');
    for (const row of rows.slice(1)) {
      const [, email, updated] = row.split(',');
      expect(email).toContain('.1');
      expect(updated >= '2026-01-01').toBe(true);
    }
    expect(rows.length).toBeGreaterThan(1);
  });

  it('--fields addresses in CSV means every address column', async () => {
    const result = await runCli(['pull', '--from', 'jsonl:gen.jsonl', '--fields', 'key,addresses', '--limit', '1'], { cwd: dir });
    const header = result.stdout.split('\n')[0].split(',');
    expect(header[0]).toBe('key');
    expect(header).toContain('billing_city');
    expect(header).toContain('shipping_line1');
    expect(header.at(-1)).toBe('more_addresses');
  });

  it('push to a CSV file writes every record with the summary line', async () => {
    const result = await runCli(['push', '--to', 'csv:pushed.csv', '--input', 'gen.jsonl'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('read 300 · created 300 · updated 0 · unchanged 0 · rejected 0 · failed 0');
    const pulled = await runCli(['pull', '--from', 'jsonl:gen.jsonl'], { cwd: dir });
    expect(readFileSync(join(dir, 'pushed.csv'), 'utf8')).toBe(pulled.stdout);
  });

  it('push refuses records that repeat an earlier key or email, and sends the rest', async () => {
    const [a, b, c] = [...generateCustomers(3, 11)];
    const input = [a, { ...b, email: a.email!.toUpperCase() }, { ...c, key: a.key }, c].map((r) => JSON.stringify(r)).join('\n');
    writeFileSync(join(dir, 'dupes.jsonl'), input);
    const result = await runCli(['push', '--to', 'jsonl:landed.jsonl', '--input', 'dupes.jsonl', '--rejects', 'dupes-rejects.csv'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('read 4 · created 2 · updated 0 · unchanged 0 · rejected 2 · failed 0');
    const landed = readFileSync(join(dir, 'landed.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { key: string; email: string }));
    expect(landed.map((r) => r.key)).toEqual([a.key, c.key]);
    expect(landed[0].email).toBe(a.email);
    const rejects = readFileSync(join(dir, 'dupes-rejects.csv'), 'utf8');
    expect(rejects).toContain(`is also on key ${a.key} earlier in the input`);
    expect(rejects).toContain(`key ${a.key} appears more than once in the input`);
    const dry = await runCli(['push', '--to', 'jsonl:dry.jsonl', '--input', 'dupes.jsonl', '--dry-run'], { cwd: dir });
    expect(dry.stderr).toContain('dry run: read 4 · created 2 · updated 0 · unchanged 0 · rejected 2 · failed 0');
  });

  it('push reads stdin', async () => {
    const input = readFileSync(join(dir, 'gen.jsonl'), 'utf8');
    const result = await runCli(['push', '--to', 'jsonl:-', '--format', 'jsonl'], { cwd: dir, input });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(input);
  });
});

describe('bad input files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    const csv = await runCli(['pull', '--from', 'jsonl:-', '--format', 'csv'], { input: [...generateCustomers(3, 1)].map((c) => JSON.stringify(c)).join('\n') });
    writeFileSync(join(dir, 'good.csv'), csv.stdout);
  });

  it('malformed CSV is exit 2 naming the line and column, nothing written', async () => {
    const good = readFileSync(join(dir, 'good.csv'), 'utf8').split('\n');
    const header = good[0];
    writeFileSync(join(dir, 'bad.csv'), `${header}\n${good[1]}\nK2,"unterminated@x.com,x\n`);
    const result = await runCli(['push', '--to', 'csv:out.csv', '--input', 'bad.csv'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad\.csv is not valid CSV at line \d+/);
    noStackTrace(result.stderr);
    expect(() => readFileSync(join(dir, 'out.csv'))).toThrow();
  });

  it('a bad cell is exit 2 for pull, naming line and column (push rejects the record: see bad-cells.test.ts)', async () => {
    const good = readFileSync(join(dir, 'good.csv'), 'utf8').split('\n');
    const cells = good[1].split(',');
    const header = good[0].split(',');
    cells[header.indexOf('marketing_opt_in')] = 'perhaps';
    writeFileSync(join(dir, 'cell.csv'), `${good[0]}\n${cells.join(',')}\n`);
    const result = await runCli(['pull', '--from', 'csv:cell.csv'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cell.csv: line 2, column marketing_opt_in: "perhaps" is not true or false');
  });

  it('an unknown CSV column is exit 2 naming it, unless --ignore-unknown-columns', async () => {
    writeFileSync(join(dir, 'extra.csv'), 'key,email,shoe_size\nK1,a@b.c,44\n');
    const result = await runCli(['pull', '--from', 'csv:extra.csv'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown CSV column "shoe_size"');
    const ignored = await runCli(['pull', '--from', 'csv:extra.csv', '--ignore-unknown-columns', '--format', 'jsonl'], { cwd: dir });
    expect(ignored.code).toBe(0);
    expect(JSON.parse(ignored.stdout)).toMatchObject({ key: 'K1', email: 'a@b.c' });
  });

  it('a column named twice in the header is exit 2 naming it: which one holds the value is not knowable', async () => {
    writeFileSync(join(dir, 'twice.csv'), 'key,email,email\nk1,a@x.com,b@x.com\n');
    const result = await runCli(['pull', '--from', 'csv:twice.csv'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the CSV header has column "email" more than once');
  });

  it('a record without a key is exit 2 naming the column', async () => {
    writeFileSync(join(dir, 'nokey.csv'), 'key,email\n,a@b.c\n');
    const result = await runCli(['pull', '--from', 'csv:nokey.csv'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('line 2, column key');
  });

  it('malformed JSONL is exit 2 naming the line', async () => {
    writeFileSync(join(dir, 'bad.jsonl'), '{"key":"a","addresses":[],"groups":[],"custom":{}}\n{"key":\n');
    const result = await runCli(['push', '--to', 'csv:x.csv', '--input', 'bad.jsonl'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bad.jsonl: line 2 is not valid JSON');
  });

  it('an unreadable input file is exit 2 naming it', async () => {
    const result = await runCli(['push', '--to', 'csv:x.csv', '--input', 'nowhere.csv'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('input file nowhere.csv does not exist');
    noStackTrace(result.stderr);
  });

  it('a bad --where is exit 2 naming the field', async () => {
    const result = await runCli(['pull', '--from', 'csv:good.csv', '--where', 'shoe = 4'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown field "shoe"');
  });

  it('a bad --since is exit 2', async () => {
    const result = await runCli(['pull', '--from', 'csv:good.csv', '--since', 'yesterday'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--since "yesterday" is not an ISO 8601');
  });
});

describe('a remote side that cannot be reached', () => {
  it('pull stops with exit 3, says what to check, and writes no half document', async () => {
    const dir = tempDir();
    // Port 9 (discard) on loopback: nothing listens there, so the connection is refused at once.
    const profiles = writeProfiles(dir, { shop: { dialect: 'spiffy', baseUrl: 'http://127.0.0.1:9', auth: { type: 'bearer', token: 'not-a-real-token' }, retries: 1 } });
    const result = await runCli(['pull', '--from', 'shop', '--profiles', profiles]);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).toContain('hint: check that http://127.0.0.1:9 (baseUrl of profile "shop") is reachable');
    expect(result.stderr).not.toContain('not-a-real-token');
    noStackTrace(result.stderr);
  });
});
