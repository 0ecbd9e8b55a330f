import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Customer } from '../../src/core/customer.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';

/**
 * The resultset dialect end to end: the built CLI as a process against the
 * sandbox emulator (or a hostile server) over loopback.
 */

const fixtures = resolve(import.meta.dirname, '../fixtures/resultset');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');

let emulators: EmulatorHandle[] = [];
let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  emulators = [];
  servers = [];
});

async function emulator(customers = 0, profile: Record<string, unknown> = {}) {
  const handle = await startEmulator('resultset', { customers });
  emulators.push(handle);
  const dir = tempDir();
  const profiles = writeProfiles(dir, { shop: { ...handle.profile, ...profile } });
  const auth = handle.profile.auth as { username: string; password: string };
  const authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  /** A raw request to the emulator, as the document shows it. */
  const raw = async (method: string, path: string, body?: string) => {
    const answer = await fetch(`${handle.url}${path}`, { method, body, headers: { authorization, 'content-type': 'application/xml' } });
    return { status: answer.status, text: await answer.text() };
  };
  const cli = (args: string[], input?: string) => runCli([...args, '--profiles', profiles], { cwd: dir, input });
  const pull = async (...args: string[]): Promise<Customer[]> => {
    const result = await cli(['pull', '--from', 'shop', '--format', 'jsonl', ...args]);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    for (const [, page, limit] of result.stderr.matchAll(/[?&]page=(\d+)&limit=(\d+)/g)) {
      // A read asks for no more than a quarter (or 8) over the page size: the overlap is bought with a divisor, not a big page.
      expect(Number(limit)).toBeLessThanOrEqual(Math.max(Math.ceil(((profile.pageSize as number | undefined) ?? 100) * 1.25), ((profile.pageSize as number | undefined) ?? 100) + 8));
      expect(Number(page)).toBeGreaterThanOrEqual(1);
    }
    expect(result.code).toBe(0);
    return result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Customer);
  };
  return { handle, dir, profiles, raw, cli, pull };
}

function jsonl(records: object[]): string {
  return records.map((r) => JSON.stringify({ addresses: [], groups: [], custom: {}, ...r })).join('\n') + '\n';
}

describe('resultset: the document examples', () => {
  it('creates Peter Parker with groups dealer and vip, reads back the hashed password, and renames him with the PUT', async () => {
    const { cli, pull, raw } = await emulator();
    const push = await cli(['push', '--to', 'shop', '--input', join(fixtures, 'peter-parker.jsonl')]);
    expect(push.code).toBe(0);
    expect(push.stderr).toContain('read 1 · created 1 · updated 0 · unchanged 0 · rejected 0 · failed 0');

    let [peter] = await pull();
    expect(peter.key).toBe('peter@parker.nz');
    expect(peter.firstName).toBe('Peter');
    expect(peter.lastName).toBe('Parker');
    expect(peter.groups).toEqual(['dealer', 'vip']);
    expect(peter.passwordHash).toBeUndefined();

    // The document's create request, verbatim: an upsert of the same username.
    const created = await raw('POST', '/API/V3/Customer+UserCustomerGroups', fixture('peter-parker-create.xml'));
    expect(created.status).toBe(200);
    expect(created.text).toMatch(/<username>peter@parker\.nz<\/username>\s*<action>update<\/action>/);
    const pulled = await cli(['pull', '--from', 'shop', '--format', 'jsonl']);
    expect(pulled.stdout).not.toContain('PETERFOO123');
    [peter] = pulled.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Customer);
    expect(peter.passwordHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(peter.groups).toEqual(['dealer', 'vip']);

    // The document's PUT: only the changed field.
    const put = await raw('PUT', '/API/V3/Customer/peter@parker.nz', fixture('peter-parker-put.xml'));
    expect(put.status).toBe(200);
    [peter] = await pull();
    expect(peter.firstName).toBe('Paul');
    expect(peter.lastName).toBe('Parker');
    expect(peter.addresses.find((a) => a.kind === 'billing')?.firstName).toBe('Paul');
    expect(peter.groups).toEqual(['dealer', 'vip']);
    expect(peter.passwordHash).toMatch(/^sha256:/);
  });

  it('a pushed customer is written without <password> even when it carries a passwordHash', async () => {
    const { cli, raw, pull } = await emulator();
    const input = join(tempDir(), 'in.jsonl');
    writeFileSync(input, jsonl([{ key: 'hash-holder', email: 'h@example.com', passwordHash: 'sha256:abc' }]));
    expect((await cli(['push', '--to', 'shop', '--input', input])).code).toBe(0);
    const [record] = await pull();
    expect(record.passwordHash).toBeUndefined();
    const one = await raw('GET', '/API/V3/Customer+UserCustomerGroups/hash-holder');
    expect(one.text).not.toContain('<password>');
  });
});

describe('resultset: reading', () => {
  it('pages through an odd total with a small page size', async () => {
    const { pull, handle } = await emulator(23, { pageSize: 5 });
    const records = await pull('--verbose');
    expect(records).toHaveLength(23);
    expect(new Set(records.map((r) => r.key)).size).toBe(23);
    expect(records[0].key).toBe('C000001');
    expect(records[22].key).toBe('C000023');
    // Reads overlap the one before by at least two customers, each with a limit near the page size that divides its start.
    const gets = handle.stats().byMethod.GET ?? 0;
    expect(gets).toBeGreaterThanOrEqual(3);
    expect(gets).toBeLessThanOrEqual(9);
  });

  it('pushes exact-match filters and --since down as query parameters and still filters on the client', async () => {
    const { cli, pull } = await emulator(12);
    const all = await pull();
    const target = all[4];
    const verbose = await cli(['pull', '--from', 'shop', '--format', 'jsonl', '--verbose', '--where', `email = ${target.email!.toUpperCase()}`]);
    expect(verbose.code).toBe(0);
    expect(verbose.stderr).toContain(`email=${encodeURIComponent(target.email!.toUpperCase())}`);
    expect(verbose.stdout.trim().split('\n').map((l) => (JSON.parse(l) as Customer).key)).toEqual([target.key]);

    const since = [...all].sort((a, b) => a.updatedAt!.localeCompare(b.updatedAt!))[6].updatedAt!;
    const expected = all.filter((r) => r.updatedAt! >= since).map((r) => r.key);
    const recent = await cli(['pull', '--from', 'shop', '--format', 'jsonl', '--verbose', '--since', since]);
    expect(recent.stderr).toContain(`updated_since=${encodeURIComponent(since)}`);
    expect(recent.stdout.trim().split('\n').map((l) => (JSON.parse(l) as Customer).key)).toEqual(expected);

    // A condition the API cannot filter on is applied on the client.
    const named = await pull('--where', `lastName = ${target.lastName}`);
    expect(named.map((r) => r.key)).toContain(target.key);
    expect(named.every((r) => r.lastName === target.lastName)).toBe(true);
  });

  it('counts through profiles test', async () => {
    const { cli } = await emulator(7);
    const test = await cli(['profiles', 'test', 'shop']);
    expect(test.code).toBe(0);
    expect(test.stdout).toContain('7 customers');
  });
});

describe('resultset: mapping through the wire', () => {
  it('keeps billing-only and billing+shipping customers, string values and escaped text', async () => {
    const { cli, pull, raw } = await emulator();
    const billing = { kind: 'billing', isDefault: true, firstName: 'Zoë', lastName: "O'Brien & Sons", company: 'A <B> "C"', lines: ['1 Main St', 'Unit 2'], city: 'Wellington', region: 'Wellington', postcode: '0800', countryCode: 'NZ' };
    const input = join(tempDir(), 'in.jsonl');
    writeFileSync(
      input,
      jsonl([
        { key: '00123', email: 'zoe@example.com', firstName: 'Zoë', lastName: "O'Brien & Sons", company: 'A <B> "C"', phone: '+64 4 555 0100', altPhone: '021 555 0101', addresses: [billing], status: 'disabled', discountPercent: 20, marketingOptIn: false, custom: { mv_shipmode: 'courier', custom_data2: 'ünïcödé ☕' } },
        { key: '00124', email: 'ship@example.com', firstName: 'Sam', lastName: 'Ship', addresses: [{ ...billing, firstName: 'Sam', lastName: 'Ship', company: undefined }, { kind: 'shipping', isDefault: true, firstName: 'Sam', lastName: 'Ship', lines: ['9 Dock Rd'], city: 'Auckland', postcode: '1010', countryCode: 'NZ' }], status: 'active', marketingOptIn: true },
        { key: '00125', email: 'same@example.com', firstName: 'Same', addresses: [{ kind: 'billing', isDefault: true, firstName: 'Same', lines: ['1 Road'], city: 'X' }, { kind: 'shipping', isDefault: true, firstName: 'Same', lines: ['1 Road'], city: 'X' }] },
      ]),
    );
    const push = await cli(['push', '--to', 'shop', '--input', input]);
    expect(push.stderr).toContain('read 3 · created 3');
    expect(push.code).toBe(0);
    const wire = await raw('GET', '/API/V3/Customer+UserCustomerGroups/00123');
    expect(wire.text).toContain('<b_lname>O&apos;Brien &amp; Sons</b_lname>');
    expect(wire.text).toContain('<b_company>A &lt;B&gt; &quot;C&quot;</b_company>');
    expect(wire.text).toContain('<b_zip>0800</b_zip>');

    const [zoe, sam, same] = await pull();
    expect(zoe.key).toBe('00123');
    expect(zoe).toMatchObject({ firstName: 'Zoë', lastName: "O'Brien & Sons", company: 'A <B> "C"', phone: '+64 4 555 0100', altPhone: '021 555 0101', status: 'disabled', discountPercent: 20, marketingOptIn: false });
    expect(zoe.custom).toEqual({ mv_shipmode: 'courier', custom_data2: 'ünïcödé ☕' });
    expect(zoe.addresses).toEqual([{ ...billing, isDefault: true }]);
    expect(sam.status).toBe('active');
    expect(sam.marketingOptIn).toBe(true);
    expect(sam.addresses.map((a) => a.kind)).toEqual(['billing', 'shipping']);
    expect(sam.addresses[1]).toMatchObject({ lines: ['9 Dock Rd'], city: 'Auckland', postcode: '1010', countryCode: 'NZ' });
    // A shipping address equal to billing is no separate shipping address.
    expect(same.addresses.map((a) => a.kind)).toEqual(['billing']);
  });
});

describe('resultset: writing', () => {
  it('keeps the rest of a batch when one customer is refused: exit 1 and the reason in the rejects file', async () => {
    const { cli, pull, dir } = await emulator(0, { batchSize: 10 });
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, jsonl([
      { key: 'ok-1', email: 'one@example.com', firstName: 'One' },
      { key: 'bad-2', email: 'not-an-email', firstName: 'Two' },
      { key: 'ok-3', email: 'three@example.com', firstName: 'Three' },
    ]));
    const push = await cli(['push', '--to', 'shop', '--input', input, '--rejects', 'rejects.jsonl']);
    expect(push.code).toBe(1);
    expect(push.stderr).toContain('read 3 · created 2 · updated 0 · unchanged 0 · rejected 1 · failed 0');
    const rejects = readFileSync(join(dir, 'rejects.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Customer & { reason: string });
    expect(rejects).toHaveLength(1);
    // A malformed email is refused before the batch is sent; the rest of the batch lands.
    expect(rejects[0]).toMatchObject({ key: 'bad-2', email: 'not-an-email', reason: `${input}: line 2: field email: "not-an-email" is not an email address` });
    expect((await pull()).map((r) => r.key)).toEqual(['ok-1', 'ok-3']);

    // The same input again is unchanged (compared before sending: the upsert would re-date them); changed, the upsert by username updates.
    const again = await cli(['push', '--to', 'shop', '--input', input, '--rejects', 'rejects.jsonl', '--force']);
    expect(again.stderr).toContain('read 3 · created 0 · updated 0 · unchanged 2 · rejected 1');
    writeFileSync(input, jsonl([
      { key: 'ok-1', email: 'one@example.com', firstName: 'Uno' },
      { key: 'bad-2', email: 'not-an-email', firstName: 'Two' },
      { key: 'ok-3', email: 'three@example.com', firstName: 'Tres' },
    ]));
    const changed = await cli(['push', '--to', 'shop', '--input', input, '--rejects', 'rejects.jsonl', '--force']);
    expect(changed.stderr).toContain('read 3 · created 0 · updated 2 · unchanged 0 · rejected 1');
  });

  it('sends one upsert per batch', async () => {
    const { cli, handle, dir } = await emulator(0, { batchSize: 4 });
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, jsonl(Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, email: `k${i}@example.com` }))));
    const push = await cli(['push', '--to', 'shop', '--input', input]);
    expect(push.code).toBe(0);
    expect(handle.stats().byMethod.POST).toBe(3);
  });

  it('creates a missing group code through UserGroups before the customers, once', async () => {
    const { cli, raw, pull, dir } = await emulator();
    const before = await raw('GET', '/API/V3/UserGroups');
    expect(before.text).not.toContain('<code>jedis</code>');
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, jsonl([
      { key: 'luke', email: 'luke@example.com', groups: ['jedis', 'vip'], custom: { 'group_title.jedis': 'Jedis' } },
      { key: 'obi', email: 'obi@example.com', groups: ['jedis'] },
    ]));
    const push = await cli(['push', '--to', 'shop', '--input', input, '--verbose']);
    expect(push.code).toBe(0);
    const posts = push.stderr.split('\n').filter((l) => /^\s*POST /.test(l));
    expect(posts).toHaveLength(2);
    expect(posts[0]).toContain('/API/V3/UserGroups');
    expect(posts[1]).toContain('/API/V3/Customer+UserCustomerGroups');
    const after = await raw('GET', '/API/V3/UserGroups');
    expect(after.text).toMatch(/<code>jedis<\/code>\s*<title>Jedis<\/title>/);
    const records = await pull();
    expect(records.map((r) => r.groups)).toEqual([['jedis', 'vip'], ['jedis']]);
  });

  it('--mode create refuses existing customers and --dry-run sends nothing', async () => {
    const { cli, handle, dir } = await emulator(3);
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, jsonl([{ key: 'C000001', email: 'x@example.com' }, { key: 'new-1', email: 'new@example.com' }]));
    const dry = await cli(['push', '--to', 'shop', '--input', input, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('created 1 · updated 1');
    expect(handle.stats().writes).toBe(0);
    const create = await cli(['push', '--to', 'shop', '--input', input, '--mode', 'create']);
    expect(create.code).toBe(1);
    expect(create.stderr).toContain('created 1 · updated 0 · unchanged 0 · rejected 1');
  });
});

describe('resultset: a hostile or broken server', () => {
  async function serve(body: string | ((res: import('node:http').ServerResponse) => void)) {
    const server = createServer((req, res) => {
      if (typeof body === 'function') return body(res);
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(body);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    const dir = tempDir();
    const profiles = writeProfiles(dir, { hostile: { dialect: 'resultset', baseUrl: `http://127.0.0.1:${port}`, auth: { type: 'basic', username: 'u', password: 'p4ssword' }, retries: 0 } });
    return runCli(['pull', '--from', 'hostile', '--profiles', profiles], { cwd: dir, timeoutMs: 30_000 });
  }

  const noStack = (stderr: string) => expect(stderr).not.toMatch(/^\s+at /m);

  it('malformed XML: exit 3, the request and the line named', async () => {
    const result = await serve('<ResultSet total="1">\n<Customer>\n<username>x</username>\n</ResultSet>');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('GET http://127.0.0.1');
    expect(result.stderr).toMatch(/malformed: line \d+/);
    noStack(result.stderr);
  });

  it('an entity bomb: exit 3 at once, nothing expanded', async () => {
    const lol = ['<?xml version="1.0"?>', '<!DOCTYPE lolz [', ' <!ENTITY lol "lol">'];
    for (let i = 1; i <= 9; i += 1) lol.push(` <!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
    lol.push(']>', '<ResultSet total="1"><Customer><username>&lol9;</username></Customer></ResultSet>');
    const result = await serve(lol.join('\n'));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('DOCTYPE');
    noStack(result.stderr);
  });

  it('a gigantic answer: exit 3 once the size cap is passed', async () => {
    const result = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      const chunk = `<Customer><username>${'x'.repeat(1000)}</username></Customer>`.repeat(100);
      res.write('<ResultSet total="1000000">');
      let sent = 0;
      const more = () => {
        while (sent < 30 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end('</ResultSet>');
      };
      res.on('error', () => undefined);
      more();
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('larger than 20 MB');
    noStack(result.stderr);
  });

  it('a 2xx that is not a ResultSet of customers: exit 3', async () => {
    const result = await serve('<Other>hello</Other>');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('unexpected ResultSet');
    noStack(result.stderr);
  });
});

describe('resultset: the emulator', () => {
  it('answers auth failures, unknown customers and oversized limits with XML errors', async () => {
    const { raw, handle, dir } = await emulator(2);
    const anonymous = await fetch(`${handle.url}/API/V3/Customer+UserCustomerGroups`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toMatch(/<Error>\s*<code>401<\/code>\s*<message>/);
    const missing = await raw('GET', '/API/V3/Customer+UserCustomerGroups/nobody');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('<Error>');
    expect((await raw('GET', '/API/V3/Customer+UserCustomerGroups?limit=1001')).status).toBe(400);
    expect((await raw('GET', '/API/V3/Customer+UserCustomerGroups?limit=1000')).status).toBe(200);
    const refused = await raw('POST', '/API/V3/Customer+UserCustomerGroups', '<ResultSet><Customer><email>a@b.co</email></Customer></ResultSet>');
    expect(refused.text).toMatch(/<Result>\s*<username><\/username>\s*<error>username is required<\/error>/);
    const titled = await raw('GET', '/API/V3/Customer+(UserCustomerGroups+UserGroups)/C000001');
    expect(titled.status).toBe(200);
    const groups = await raw('POST', '/API/V3/UserGroups', fixture('user-groups-create.xml'));
    expect(groups.text).toMatch(/<code>storm-troopers<\/code>\s*<action>create<\/action>/);

    const wrong = writeProfiles(dir, { bad: { ...handle.profile, auth: { type: 'basic', username: 'sandbox', password: 'wrong-password' } } });
    const denied = await runCli(['pull', '--from', 'bad', '--profiles', wrong], { cwd: dir });
    expect(denied.code).toBe(3);
    expect(denied.stderr).toContain('401');
    expect(denied.stderr).not.toContain('wrong-password');
  });
});
