import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Customer } from '../../src/core/customer.js';
import { apiRoot, startPropellerEmulator, tokenPath, type PropellerEmulatorHandle, type PropellerEmulatorOptions } from '../../src/dialects/propeller/emulator.js';
import { generateCustomers } from '../../src/emulator/generator.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';

/** The CLI as a process against the Propeller emulator over loopback. */

let emulator: PropellerEmulatorHandle | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
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
  data: Array<Record<string, unknown>>;
  total: number;
  error: { code: number; type: string; messages: string[] };
}

/** A direct, authenticated call to the emulator's API, to look at what landed on the wire (or to change it). */
async function api(handle: PropellerEmulatorHandle, path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: WireAnswer }> {
  const auth = handle.profile.auth as { clientId: string; clientSecret: string };
  const token = await fetch(`${handle.url}${tokenPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: auth.clientId, client_secret: auth.clientSecret }).toString(),
  }).then((r) => r.json() as Promise<{ access_token: string }>);
  const response = await fetch(`${handle.url}${apiRoot}${path}`, {
    method,
    headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as WireAnswer };
}

const count = (requests: string[], pattern: RegExp) => requests.filter((r) => pattern.test(r)).length;
const base = { groups: [], addresses: [], custom: {} };

describe('propeller: OAuth2 client credentials', () => {
  it('fetches a new token when it expires in the middle of a pull, and the pull completes', async () => {
    // The emulator's latency is a floor: 8 searches + 80 address reads two at a time take at least 2 s, twice the token's life.
    const s = await setup({ customers: 80, tokenTtlSeconds: 1, latencyMs: 45 }, { pageSize: 10 });
    const result = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--profiles', s.profiles, '--concurrency', '2']);
    expect(result.stderr).toContain('read 80');
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toHaveLength(80);
    expect(s.handle.tokenRequests()).toBeGreaterThan(1);
  });

  it('refreshes once on a 401 when the server drops tokens before the announced expiry', async () => {
    // The token lives 1 s but is announced for an hour: the client only learns of the expiry from the 401s,
    // several of which arrive at once with --concurrency 4.
    // At least 6 × 80 ms of searches and 15 × 80 ms of address reads: 1.7 s, past the token's 1 s.
    const s = await setup({ customers: 60, tokenTtlSeconds: 1, announcedExpiresIn: 3600, latencyMs: 80 }, { pageSize: 10 });
    const result = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--profiles', s.profiles, '--concurrency', '4']);
    expect(result.stderr).toContain('read 60');
    expect(result.code).toBe(0);
    expect(s.handle.stats().unauthorized).toBeGreaterThan(0);
    expect(s.handle.tokenRequests()).toBeGreaterThan(1);
  });

  it.each([
    ['BearerToken, expires_in as a string', { tokenType: 'BearerToken', expiresInAs: 'string' }],
    ['no token_type, expires_in as a number', { tokenType: null, expiresInAs: 'number' }],
  ] as const)('accepts a token answer with %s', async (_name, options) => {
    const s = await setup({ customers: 3, ...options });
    const result = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--profiles', s.profiles]);
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)).toHaveLength(3);
  });

  it('resolves a relative tokenUrl against the host, not baseUrl\'s /v2 path; an absolute one as it is', async () => {
    const s = await setup({ customers: 2 });
    const auth = s.handle.profile.auth as Record<string, string>;
    for (const tokenUrl of ['oauth2/token', '/oauth2/token', `${s.handle.url}/oauth2/token`]) {
      const profiles = writeProfiles(s.dir, { prop: { ...s.handle.profile, auth: { ...auth, tokenUrl } } });
      const result = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--profiles', profiles]);
      expect(result.code, `${tokenUrl}: ${result.stderr}`).toBe(0);
      expect(lines(result.stdout)).toHaveLength(2);
    }
    expect(count(s.requests, /^POST \/oauth2\/token 200/)).toBe(3);
    expect(count(s.requests, /\/v2\/oauth2/)).toBe(0);
  });

  it('a stalled token endpoint ends the run with exit 3 within the profile\'s timeoutMs and retries', async () => {
    const s = await setup({ customers: 2 });
    let tokenRequests = 0;
    const stalled = createServer((req) => {
      tokenRequests += 1;
      req.resume(); // never answered
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      stalled.closeAllConnections();
      await new Promise((resolve) => stalled.close(resolve));
    });
    const tokenUrl = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/oauth2/token`;
    const auth = s.handle.profile.auth as Record<string, string>;
    const profiles = writeProfiles(s.dir, { prop: { ...s.handle.profile, auth: { ...auth, tokenUrl }, timeoutMs: 2000, retries: 1 } });
    const result = await runCli(['pull', '--from', 'prop', '--profiles', profiles]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`the token endpoint ${tokenUrl} did not answer within 2000 ms (2 tries)`);
    expect(result.stderr).toMatch(/timeoutMs/);
    expect(tokenRequests).toBe(2);
    expect(s.handle.stats().requests).toBe(0);
  });

  it('a wrong client secret is exit 3 with a message about the client credentials, without the secret', async () => {
    const secret = 'wrong-secret-7f3a9c21';
    const s = await setup({ customers: 3 }, { auth: { type: 'oauth2', tokenUrl: '/oauth2/token', clientId: 'custsync-sandbox', clientSecret: secret } });
    const result = await runCli(['pull', '--from', 'prop', '--profiles', s.profiles, '--verbose']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/client credentials/);
    expect(result.stderr).toMatch(/clientSecret/);
    expect(result.stderr + result.stdout).not.toContain(secret);
  });
});

describe('propeller: pull', () => {
  it('pages the search with ?expands=sources, keys from the profile source\'s entry, and stops early for --limit', async () => {
    const s = await setup({ customers: 23 }, { pageSize: 5, source: 'ERP' });
    const all = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--profiles', s.profiles]);
    expect(all.code, all.stderr).toBe(0);
    const records = lines(all.stdout);
    expect(records.map((r) => Number(r.source!.id))).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    // Creation-time windows (docs/dialects/propeller.md): more searches than the 5 pages of a page loop, a bounded number.
    const searches = count(s.requests, /^POST \/v2\/customers\/search\?expands=sources 200/);
    expect(searches).toBeGreaterThanOrEqual(5);
    expect(searches).toBeLessThanOrEqual(24);
    expect(records[0].key).toBe('C000001');
    // Customer 2 is known to a CRM too, listed first: the key is still the ERP's.
    expect(records[1].key).toBe('C000002');
    // Every fifth seeded customer has no source: its key is its id.
    expect(records[4].key).toBe('5');
    expect(JSON.parse(records[1].custom.sources ?? 'null')).toBeNull();
    // Answers say gender and language in upper case and dates of birth as "August, 28 1993 …".
    expect(records.every((r) => ['m', 'f', 'u'].includes(r.gender!))).toBe(true);
    expect(records.every((r) => /^[a-z]{2}$/.test(r.language!))).toBe(true);
    expect(records.some((r) => /^\d{4}-\d{2}-\d{2}$/.test(r.dateOfBirth ?? ''))).toBe(true);
    // One address read per customer, all types at once.
    expect(count(s.requests, /^GET \/v2\/customers\/id\/\d+\/addresses 200/)).toBe(23);

    s.requests.length = 0;
    const limited = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--limit', '7', '--profiles', s.profiles]);
    expect(lines(limited.stdout).map((r) => r.key)).toEqual(records.slice(0, 7).map((r) => r.key));
    // The windows of the oldest customers, and a few read ahead; addresses only of the 7 written out.
    expect(count(s.requests, /^POST \/v2\/customers\/search/)).toBeLessThan(searches);
    expect(count(s.requests, /\/addresses/)).toBe(7);
  });

  it('under another source, every key is the numeric id and the entries are kept', async () => {
    const s = await setup({ customers: 4 }, { source: 'WEBSHOP' });
    const records = lines((await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--profiles', s.profiles])).stdout);
    expect(records.map((r) => r.key)).toEqual(['1', '2', '3', '4']);
    expect(JSON.parse(records[1].custom.sources)).toEqual([{ source: 'CRM', sourceId: 'CRM-2' }, { source: 'ERP', sourceId: 'C000002' }]);
  });

  it('filters email on the client (the search has no email filter) and looks a key up directly', async () => {
    const s = await setup({ customers: 23 }, { pageSize: 5, source: 'ERP' });
    const records = lines((await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--profiles', s.profiles])).stdout);
    const searches = count(s.requests, /^POST \/v2\/customers\/search/);
    const target = records[12];
    s.requests.length = 0;
    const byEmail = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--where', `email = ${target.email!.toUpperCase()}`, '--profiles', s.profiles]);
    expect(lines(byEmail.stdout)).toEqual([target]);
    // The whole base was read (the same windows as a full pull), and addresses only of the one kept.
    expect(count(s.requests, /^POST \/v2\/customers\/search/)).toBe(searches);
    expect(count(s.requests, /\/addresses/)).toBe(1);

    s.requests.length = 0;
    const byKey = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--where', `key = ${target.key}`, '--profiles', s.profiles]);
    expect(lines(byKey.stdout)).toEqual([target]);
    expect(s.requests.filter((r) => !r.startsWith('POST /oauth2/token'))).toEqual([
      `GET /v2/customers/sourceId/${target.key}?source=ERP&expands=sources 200`,
      `GET /v2/customers/id/${target.source!.id}/addresses 200`,
    ]);
    const missing = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--where', 'key = NOPE', '--profiles', s.profiles]);
    expect(missing.code).toBe(0);
    expect(missing.stdout).toBe('');
    const byNumericKey = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--where', 'key = 10', '--profiles', s.profiles]);
    expect(lines(byNumericKey.stdout).map((r) => r.source!.id)).toEqual(['10']);
    const byId = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--where', 'id = 13', '--profiles', s.profiles]);
    expect(lines(byId.stdout)).toEqual([target]);
  });

  it('pushes --since down as dateModified in local time and returns what a client-side filter returns', async () => {
    const s = await setup({ customers: 23 }, { pageSize: 5, source: 'ERP' });
    const records = lines((await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--profiles', s.profiles])).stdout);
    const since = [...records].sort((a, b) => a.updatedAt!.localeCompare(b.updatedAt!))[15].updatedAt!;
    s.requests.length = 0;
    const recent = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--since', since, '--profiles', s.profiles]);
    expect(recent.code, recent.stderr).toBe(0);
    expect(lines(recent.stdout).map((r) => r.key)).toEqual(records.filter((r) => r.updatedAt! >= since).map((r) => r.key));
    // Pushed down: the server sent only the matching customers.
    expect(count(s.requests, /\/addresses/)).toBe(lines(recent.stdout).length);
  });

  it('reads the addresses of a page concurrently, up to --concurrency', async () => {
    const s = await setup({ customers: 12, addressLatencyMs: 40 });
    const four = await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--concurrency', '4', '--profiles', s.profiles]);
    expect(four.code).toBe(0);
    expect(s.handle.maxAddressReadsInFlight()).toBeGreaterThan(1);
    expect(s.handle.maxAddressReadsInFlight()).toBeLessThanOrEqual(4);
    const s1 = await setup({ customers: 6, addressLatencyMs: 40 });
    await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--concurrency', '1', '--profiles', s1.profiles]);
    expect(s1.handle.maxAddressReadsInFlight()).toBe(1);
  });
});

describe('propeller: push', () => {
  it('sends 100 customers with their addresses in one bulk call, and rejects the one bad item with its code and message', async () => {
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
    expect(count(s.requests, /^POST \/v2\/customers\/bulk\/sourceId 200/)).toBe(3);
    expect(count(s.requests, /addresses/)).toBe(0);
    const rejected = readFileSync(rejects, 'utf8');
    expect(rejected.split('\n')[0]).toMatch(/^reason,key,email/);
    // A malformed email is refused by the input check, before it is sent.
    expect(rejected).toContain(`${input}: line 137: field email: ""not-an-email"" is not an email address`);
    expect(rejected).toContain(records[136].key);
    const landed = await api(s.handle, `/customers/sourceId/${records[0].key}/addresses?source=custsync`);
    expect(landed.body.total).toBe(records[0].addresses.length);
  });

  it('writes billing as invoice and shipping as delivery with their defaults, and a re-push does not duplicate them', async () => {
    const s = await setup();
    const customer = {
      key: 'K-1',
      email: 'kim@example.nl',
      firstName: 'Kim',
      lastName: 'Jansen',
      company: 'Jansen BV',
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
    expect(invoice.body.data.map((a) => [a.code, a.type, a.isDefault, a.street])).toEqual([['billing-1', 'invoice', 'Y', 'Keizersgracht 12, 3e verdieping']]);
    const delivery = await api(s.handle, '/customers/sourceId/K-1/addresses?source=custsync&type=delivery');
    expect(delivery.body.data.map((a) => [a.code, a.isDefault, a.street])).toEqual([['shipping-1', 'N', 'Dam 1'], ['shipping-2', 'Y', 'Rokin 9']]);

    // The same record again is unchanged and not sent (the bulk upsert would re-date it); changed, it is updated in place.
    const same = await runCli(['push', '--to', 'prop', '--input', input, '--format', 'jsonl', '--profiles', s.profiles]);
    expect(same.stderr).toContain('read 1 · created 0 · updated 0 · unchanged 1');
    writeFileSync(input, `${JSON.stringify({ ...customer, firstName: 'Kimberley' })}\n`);
    const again = await runCli(['push', '--to', 'prop', '--input', input, '--format', 'jsonl', '--profiles', s.profiles]);
    expect(again.stderr).toContain('updated 1');
    const after = await api(s.handle, '/customers/sourceId/K-1/addresses?source=custsync');
    expect(after.body.total).toBe(3);

    const pulled = lines((await runCli(['pull', '--from', 'prop', '--format', 'jsonl', '--where', 'key = K-1', '--profiles', s.profiles])).stdout);
    expect(pulled[0].addresses.map((a) => [a.kind, a.isDefault, a.lines])).toEqual([
      ['billing', true, ['Keizersgracht 12, 3e verdieping']],
      ['shipping', false, ['Dam 1']],
      ['shipping', true, ['Rokin 9']],
    ]);
    expect(pulled[0].custom.source).toBe('custsync');
  });

  it('a new sourceId whose email another customer has is written, and named as a shared email', async () => {
    const s = await setup({ customers: 6 });
    const erp = (await api(s.handle, '/customers/id/3')).body.data as unknown as { email: string };
    const input = join(s.dir, 'shared.jsonl');
    writeFileSync(input, jsonl([{ ...base, key: 'WEB-3', email: erp.email.toUpperCase() }, { ...base, key: 'WEB-NEW', email: 'new@example.com' }] as Customer[]));
    const result = await runCli(['push', '--to', 'prop', '--input', input, '--format', 'jsonl', '--profiles', s.profiles]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('read 2 · created 2 · updated 0 · unchanged 0 · rejected 0 · failed 0');
    expect(result.stderr).toMatch(new RegExp(`WEB-3: created as Propeller customer id 7; shared email: ${erp.email.toUpperCase()} is also on Propeller customer id 3`));
    expect(result.stderr).not.toMatch(/WEB-NEW: .*shared/);
    // Both customers now have the email: the platform allows it.
    expect((await api(s.handle, '/customers/id/7')).body.data).toMatchObject({ email: erp.email.toUpperCase() });

    // A dry run does not refuse it either.
    writeFileSync(input, jsonl([{ ...base, key: 'WEB-3B', email: erp.email }] as Customer[]));
    const dry = await runCli(['push', '--to', 'prop', '--input', input, '--format', 'jsonl', '--dry-run', '--profiles', s.profiles]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('created 1');
  });

  it('turns error envelopes into messages naming code and type', async () => {
    const s = await setup({ customers: 5 }, { source: 'ERP' });
    // Customer 2 (sourceId C000002 under ERP) goes to the Recycle Bin; pushing it again is 60008.
    expect((await api(s.handle, '/customers/sourceId/C000002?source=ERP', 'DELETE')).status).toBe(200);
    expect((await api(s.handle, '/customers/sourceId/C000002?source=ERP')).body.error).toMatchObject({ code: 60008, type: 'CustomerNotAllowed' });
    expect((await api(s.handle, '/customers/name/x')).body.error.code).toBe(10006);
    const input = join(s.dir, 'bad.jsonl');
    writeFileSync(input, jsonl([
      { ...base, key: 'C000002', email: 'gone@example.com' },
      { ...base, key: 'P-1', email: 'child@example.com', custom: { parent: '{"id":9999}' } },
      { ...base, key: 'P-2', email: 'ok@example.com', custom: { parent: '{"id":1}' } },
      { ...base, key: 'P-3', email: 'noaddress@example.com', addresses: [{ kind: 'billing', isDefault: true, lines: [], city: 'Gouda' }] },
    ] as Customer[]));
    const rejects = join(s.dir, 'rejects.jsonl');
    const result = await runCli(['push', '--to', 'prop', '--input', input, '--format', 'jsonl', '--rejects', rejects, '--profiles', s.profiles]);
    expect(result.code).toBe(1);
    const reasons = lines(readFileSync(rejects, 'utf8')).map((r) => (r as unknown as { reason: string }).reason);
    expect(reasons).toEqual([
      '60008 CustomerNotAllowed: Customer is not allowed',
      '60007 ParentCustomerNotFound: Parent customer does not exist',
      'billing address 1 has no street, country code (ISO alpha-2): Propeller requires street, city and country of every address',
    ]);
    expect(result.stderr).toContain('read 4 · created 1');
  });

  it('--mode create rejects existing customers and --mode update missing ones, looked up by sourceId, before sending', async () => {
    const s = await setup({ customers: 3 }, { source: 'ERP' });
    const input = join(s.dir, 'm.jsonl');
    writeFileSync(input, jsonl([{ ...base, key: 'C000001' }, { ...base, key: 'NEW-1' }] as Customer[]));
    const create = await runCli(['push', '--to', 'prop', '--input', input, '--format', 'jsonl', '--mode', 'create', '--profiles', s.profiles]);
    expect(create.stderr).toContain('read 2 · created 1 · updated 0 · unchanged 0 · rejected 1');
    expect(create.stderr).toMatch(/C000001: exists on the target as id 1/);
    expect(count(s.requests, /^GET \/v2\/customers\/sourceId\/(C000001|NEW-1)\?source=ERP/)).toBe(2);
    writeFileSync(input, jsonl([{ ...base, key: 'C000002', lastName: 'Updated' }, { ...base, key: 'NEW-2' }] as Customer[]));
    const update = await runCli(['push', '--to', 'prop', '--input', input, '--format', 'jsonl', '--mode', 'update', '--profiles', s.profiles]);
    expect(update.stderr).toContain('read 2 · created 0 · updated 1 · unchanged 0 · rejected 1');
  });
});

describe('propeller: find, count, preview', () => {
  it('profiles test reports the count; a dry run finds existing customers and masks ssn', async () => {
    const s = await setup({ customers: 12 }, { source: 'ERP' });
    const test = await runCli(['profiles', 'test', 'prop', '--profiles', s.profiles]);
    expect(test.stdout).toContain('OK, 12 customers');
    const input = join(s.dir, 'dry.jsonl');
    writeFileSync(input, jsonl([{ ...base, key: 'C000003', custom: { ssn: '123456789' } }, { ...base, key: 'NEW', email: 'x@example.com' }] as Customer[]));
    s.requests.length = 0;
    const dry = await runCli(['push', '--to', 'prop', '--input', input, '--format', 'jsonl', '--dry-run', '--profiles', s.profiles]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('read 2 · created 1 · updated 1 · unchanged 0 · rejected 0');
    expect(dry.stderr).toContain('"ssn":"***"');
    expect(dry.stderr).not.toContain('123456789');
    // Reads only: lookups, the token, and the search that counts the target (is it empty?).
    expect(s.requests.filter((r) => !/^(GET|POST \/oauth2\/token|POST \/v2\/customers\/search)/.test(r))).toEqual([]);
  });

  it('sandbox:propeller serves generated customers', async () => {
    const result = await runCli(['pull', '--from', 'sandbox:propeller', '--format', 'jsonl']);
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toHaveLength(50);
  });
});
