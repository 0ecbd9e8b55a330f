import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Customer } from '../../src/core/customer.js';
import { startPropellerEmulator, type PropellerEmulatorHandle, type PropellerEmulatorOptions } from '../../src/dialects/propeller/emulator.js';
import { generateCustomers } from '../../src/emulator/generator.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';

/** The CLI as a process against the Propeller emulator over loopback. */

let emulator: PropellerEmulatorHandle | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

interface Setup {
  dir: string;
  profiles: string;
  handle: PropellerEmulatorHandle;
  /** `METHOD /path?query STATUS` of every request the emulator answered. */
  requests: string[];
}

async function setup(options: PropellerEmulatorOptions = {}, profile: Record<string, unknown> = {}): Promise<Setup> {
  const requests: string[] = [];
  emulator = await startPropellerEmulator({ customers: 0, seed: 1, ...options, log: (line) => requests.push(line.replace(/^propeller /, '').replace(/ \d+ms$/, '')) });
  const dir = tempDir();
  const profiles = writeProfiles(dir, { prop: { ...emulator.profile, ...profile } });
  return { dir, profiles, handle: emulator, requests };
}

function jsonl(records: Customer[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

function lines(text: string): Customer[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Customer);
}

/** What the emulator answers, loosely: the tests look at a few fields of it. */
interface WireAnswer {
  data: Array<{ code: string; type: string; isDefault: string; street: string }>;
  total: number;
  error: { code: number; type: string };
}

/** A direct, authenticated call to the emulator, to look at what landed on the wire (or to change it). */
async function api(handle: PropellerEmulatorHandle, path: string, method = 'GET'): Promise<{ status: number; body: WireAnswer }> {
  const auth = handle.profile.auth as { clientId: string; clientSecret: string };
  const token = await fetch(`${handle.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: auth.clientId, client_secret: auth.clientSecret }).toString(),
  }).then((r) => r.json() as Promise<{ access_token: string }>);
  const response = await fetch(`${handle.url}${path}`, { method, headers: { authorization: `Bearer ${token.access_token}` } });
  return { status: response.status, body: (await response.json()) as WireAnswer };
}

const count = (requests: string[], pattern: RegExp) => requests.filter((r) => pattern.test(r)).length;

describe('propeller: OAuth2 client credentials', () => {
  it('fetches a new token when it expires in the middle of a pull, and the pull completes', async () => {
    // The emulator's latency is a floor: 8 searches + 160 address reads two at a time take at least 2 s, twice the token's life.
    const s = await setup({ customers: 80, tokenTtlSeconds: 1, latencyMs: 25 }, { pageSize: 10 });
    const result = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--profiles', s.profiles, '--concurrency', '2']);
    expect(result.stderr).toContain('read 80');
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toHaveLength(80);
    expect(s.handle.tokenRequests()).toBeGreaterThan(1);
  });

  it('refreshes once on a 401 when the server drops tokens before the announced expiry', async () => {
    // The token lives 1 s but is announced for an hour: the client only learns of the expiry from the 401s,
    // several of which arrive at once with --concurrency 4.
    // At least 6 × 50 ms of searches and 30 × 50 ms of address reads: 1.8 s, past the token's 1 s.
    const s = await setup({ customers: 60, tokenTtlSeconds: 1, announcedExpiresIn: 3600, latencyMs: 50 }, { pageSize: 10 });
    const result = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--profiles', s.profiles, '--concurrency', '4']);
    expect(result.stderr).toContain('read 60');
    expect(result.code).toBe(0);
    expect(s.handle.stats().unauthorized).toBeGreaterThan(0);
    expect(s.handle.tokenRequests()).toBeGreaterThan(1);
  });

  it('a wrong client secret is exit 3 with a message about the client credentials, without the secret', async () => {
    const secret = 'wrong-secret-7f3a9c21';
    const s = await setup({ customers: 3 }, { auth: { type: 'oauth2', tokenUrl: 'oauth/token', clientId: 'custsync-sandbox', clientSecret: secret } });
    const result = await runCli(['pull', '--from', 'prop', '--profiles', s.profiles, '--verbose']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/client credentials/);
    expect(result.stderr).toMatch(/clientSecret/);
    expect(result.stderr + result.stdout).not.toContain(secret);
  });
});

describe('propeller: pull', () => {
  it('pages the search over an odd total, in order, and stops early for --limit', async () => {
    const s = await setup({ customers: 23 }, { pageSize: 5 });
    const all = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--profiles', s.profiles]);
    expect(all.code).toBe(0);
    const records = lines(all.stdout);
    expect(records.map((r) => Number(r.source!.id))).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    expect(count(s.requests, /^POST \/customers\/search 200/)).toBe(5);
    // Every fifth seeded customer has no sourceId: its key is its id.
    expect(records[4].key).toBe('5');
    expect(records[0].key).toBe('C000001');
    expect(records.every((r) => /^\d{4}-\d{2}-\d{2}$/.test(r.dateOfBirth ?? '2000-01-01'))).toBe(true);

    s.requests.length = 0;
    const limited = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--limit', '7', '--profiles', s.profiles]);
    expect(lines(limited.stdout).map((r) => r.key)).toEqual(records.slice(0, 7).map((r) => r.key));
    expect(count(s.requests, /^POST \/customers\/search/)).toBe(2);
    expect(count(s.requests, /addresses\?type=/)).toBe(14);
  });

  it('pushes email, key and --since down and returns what a client-side filter returns', async () => {
    const s = await setup({ customers: 23 }, { pageSize: 5 });
    const records = lines((await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--profiles', s.profiles])).stdout);
    const target = records[12];
    const byEmail = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--where', `email = ${target.email!.toUpperCase()}`, '--profiles', s.profiles]);
    expect(lines(byEmail.stdout)).toEqual([target]);
    const byKey = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--where', `key = ${target.key}`, '--profiles', s.profiles]);
    expect(lines(byKey.stdout)).toEqual([target]);
    const byNumericKey = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--where', 'key = 10', '--profiles', s.profiles]);
    expect(lines(byNumericKey.stdout).map((r) => r.source!.id)).toEqual(['10']);

    const since = [...records].sort((a, b) => a.updatedAt!.localeCompare(b.updatedAt!))[15].updatedAt!;
    s.requests.length = 0;
    const recent = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--since', since, '--verbose', '--profiles', s.profiles]);
    expect(lines(recent.stdout).map((r) => r.key)).toEqual(records.filter((r) => r.updatedAt! >= since).map((r) => r.key));
    // Pushed down: the server sent only the matching customers.
    expect(count(s.requests, /addresses\?type=/)).toBe(2 * lines(recent.stdout).length);
  });
});

describe('propeller: push', () => {
  it('sends batches of 100 and rejects the one bad item, before sending it', async () => {
    const s = await setup();
    const records = [...generateCustomers(250, 3)];
    records[136] = { ...records[136], email: 'not-an-email' };
    const input = join(s.dir, 'in.jsonl');
    writeFileSync(input, jsonl(records));
    // The rejects file takes the form its name says: a CSV that can be fixed and pushed again.
    const rejects = join(s.dir, 'rejects.csv');
    const result = await runCli(['push', '--to', 'prop', '--input', input, '--rejects', rejects, '--profiles', s.profiles]);
    expect(result.stderr).toContain('read 250 · created 249 · updated 0 · unchanged 0 · rejected 1 · failed 0');
    expect(result.code).toBe(1);
    expect(count(s.requests, /^POST \/customers\/bulk\/sourceId 200/)).toBe(3);
    const rejected = readFileSync(rejects, 'utf8');
    expect(rejected.split('\n')[0]).toMatch(/^reason,key,email/);
    // A malformed email is refused by the input check, before it is sent.
    expect(rejected).toContain(`${input}: line 137: field email: ""not-an-email"" is not an email address`);
    expect(rejected).toContain(records[136].key);
    const total = await api(s.handle, '/customers/sourceId/C000001?source=custsync');
    expect(total.status).toBe(200);
  });

  it('writes billing as invoice and shipping as delivery with their defaults, and a re-push does not duplicate them', async () => {
    const s = await setup();
    const customer = {
      key: 'K-1',
      email: 'kim@example.nl',
      firstName: 'Kim',
      lastName: 'Jansen',
      addresses: [
        { kind: 'billing', isDefault: true, lines: ['Keizersgracht 12', '3e verdieping'], city: 'Amsterdam', postcode: '1015 CS', countryCode: 'NL' },
        { kind: 'shipping', isDefault: false, lines: ['Dam 1'], city: 'Amsterdam', countryCode: 'NL' },
        { kind: 'shipping', isDefault: true, lines: ['Rokin 9'], city: 'Amsterdam', countryCode: 'NL' },
      ],
      groups: [],
      custom: {},
    };
    const input = join(s.dir, 'one.jsonl');
    writeFileSync(input, `${JSON.stringify(customer)}\n`);
    const first = await runCli(['push', '--to', 'prop', '--input', input, '--format', 'jsonl', '--profiles', s.profiles]);
    expect(first.stderr).toContain('created 1');
    expect(first.code).toBe(0);

    const invoice = await api(s.handle, '/customers/sourceId/K-1/addresses?source=custsync&type=invoice');
    expect(invoice.body.data.map((a) => [a.code, a.type, a.isDefault, a.street])).toEqual([['billing-1', 'invoice', 'Y', 'Keizersgracht 12\n3e verdieping']]);
    const delivery = await api(s.handle, '/customers/sourceId/K-1/addresses?source=custsync&type=delivery');
    expect(delivery.body.data.map((a) => [a.code, a.isDefault, a.street])).toEqual([['shipping-1', 'N', 'Dam 1'], ['shipping-2', 'Y', 'Rokin 9']]);

    const again = await runCli(['push', '--to', 'prop', '--input', input, '--format', 'jsonl', '--profiles', s.profiles]);
    expect(again.stderr).toContain('updated 1');
    const after = await api(s.handle, '/customers/sourceId/K-1/addresses?source=custsync');
    expect(after.body.total).toBe(3);

    const pulled = lines((await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--where', 'key = K-1', '--profiles', s.profiles])).stdout);
    expect(pulled[0].addresses.map((a) => [a.kind, a.isDefault, a.lines])).toEqual([
      ['billing', true, ['Keizersgracht 12', '3e verdieping']],
      ['shipping', false, ['Dam 1']],
      ['shipping', true, ['Rokin 9']],
    ]);
    expect(pulled[0].custom.source).toBe('custsync');
  });

  it('turns error envelopes into messages naming code and type', async () => {
    const s = await setup({ customers: 5 });
    // Customer 2 (sourceId C000002 under ERP) goes to the Recycle Bin; pushing it again is 60008.
    expect((await api(s.handle, '/customers/sourceId/C000002?source=ERP', 'DELETE')).status).toBe(200);
    expect((await api(s.handle, '/customers/sourceId/C000002?source=ERP')).body.error).toMatchObject({ code: 60008, type: 'CustomerNotAllowed' });
    expect((await api(s.handle, '/customers/name/x')).body.error.code).toBe(10006);
    const profiles = writeProfiles(s.dir, { prop: { ...s.handle.profile, source: 'ERP' } });
    const base = { groups: [], addresses: [], custom: {} };
    const input = join(s.dir, 'bad.jsonl');
    writeFileSync(input, jsonl([
      { ...base, key: 'C000002', email: 'gone@example.com' },
      { ...base, key: 'P-1', email: 'child@example.com', custom: { parent: '{"id":9999}' } },
      { ...base, key: 'P-2', email: 'ok@example.com', custom: { parent: '{"id":1}' } },
    ] as Customer[]));
    const rejects = join(s.dir, 'rejects.jsonl');
    const result = await runCli(['push', '--to', 'prop', '--input', input, '--format', 'jsonl', '--rejects', rejects, '--profiles', profiles]);
    expect(result.code).toBe(1);
    const reasons = lines(readFileSync(rejects, 'utf8')).map((r) => (r as unknown as { reason: string }).reason);
    expect(reasons).toEqual(['60008 CustomerNotAllowed: Customer is not allowed', '60007 ParentCustomerNotFound: Parent customer does not exist']);
    expect(result.stderr).toContain('created 1');
  });

  it('--mode create rejects existing customers and --mode update missing ones, before sending', async () => {
    const s = await setup({ customers: 3 }, { source: 'ERP' });
    const base = { groups: [], addresses: [], custom: {} };
    const input = join(s.dir, 'm.jsonl');
    writeFileSync(input, jsonl([{ ...base, key: 'C000001' }, { ...base, key: 'NEW-1' }] as Customer[]));
    const create = await runCli(['push', '--to', 'prop', '--input', input, '--format', 'jsonl', '--mode', 'create', '--profiles', s.profiles]);
    expect(create.stderr).toContain('read 2 · created 1 · updated 0 · unchanged 0 · rejected 1');
    expect(create.stderr).toMatch(/C000001: exists on the target as id 1/);
    writeFileSync(input, jsonl([{ ...base, key: 'C000002' }, { ...base, key: 'NEW-2' }] as Customer[]));
    const update = await runCli(['push', '--to', 'prop', '--input', input, '--format', 'jsonl', '--mode', 'update', '--profiles', s.profiles]);
    expect(update.stderr).toContain('read 2 · created 0 · updated 1 · unchanged 0 · rejected 1');
  });
});

describe('propeller: find, count, preview', () => {
  it('profiles test reports the count; a dry run finds existing customers and masks ssn', async () => {
    const s = await setup({ customers: 12 }, { source: 'ERP' });
    const test = await runCli(['profiles', 'test', 'prop', '--profiles', s.profiles]);
    expect(test.stdout).toContain('OK, 12 customers');
    const base = { groups: [], addresses: [], custom: {} };
    const input = join(s.dir, 'dry.jsonl');
    writeFileSync(input, jsonl([
      { ...base, key: 'C000003', custom: { ssn: '123456789' } },
      { ...base, key: 'NEW', email: 'x@example.com' },
      // Same email as seeded customer 5 under another sourceId: writing it would make a second customer with that email.
      { ...base, key: 'OTHER', email: lines((await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--where', 'key = 5', '--profiles', s.profiles])).stdout)[0].email },
    ] as Customer[]));
    s.requests.length = 0;
    const dry = await runCli(['push', '--to', 'prop', '--input', input, '--format', 'jsonl', '--dry-run', '--profiles', s.profiles]);
    expect(dry.code).toBe(1);
    expect(dry.stderr).toContain('read 3 · created 1 · updated 1 · unchanged 0 · rejected 1');
    expect(dry.stderr).toMatch(/would reject OTHER: email \S+ already belongs to Propeller customer id \d+/);
    expect(dry.stderr).toContain('"ssn":"***"');
    expect(dry.stderr).not.toContain('123456789');
    expect(s.requests.filter((r) => !/^(GET|POST \/customers\/search|POST \/oauth\/token)/.test(r))).toEqual([]);

    // The real push refuses it the same way: the email keeps one customer.
    const rejects = join(s.dir, 'rejects.csv');
    const real = await runCli(['push', '--to', 'prop', '--input', input, '--format', 'jsonl', '--rejects', rejects, '--profiles', s.profiles]);
    expect(real.code).toBe(1);
    expect(real.stderr).toContain('read 3 · created 1 · updated 1 · unchanged 0 · rejected 1');
    expect(readFileSync(rejects, 'utf8')).toMatch(/already belongs to Propeller customer id \d+/);
    expect(lines((await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--profiles', s.profiles])).stdout)).toHaveLength(13);
  });

  it('sandbox:propeller serves generated customers', async () => {
    const result = await runCli(['pull', '--from', 'sandbox:propeller', '--format', 'jsonl']);
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toHaveLength(50);
  });
});
