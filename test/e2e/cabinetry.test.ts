import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCustomer, type Customer } from '../../src/core/customer.js';
import { matches, parseCondition } from '../../src/core/query.js';
import { apiKeyHeader, sandboxApiKey, type CabinetryEmulatorHandle } from '../../src/dialects/cabinetry/emulator.js';
import { fromWire } from '../../src/dialects/cabinetry/mapping.js';
import { WireCustomerSchema } from '../../src/dialects/cabinetry/schema.js';
import { cliPath, runCli, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';

/** The cabinetry dialect end to end: the built CLI as a process against the emulator over loopback. */

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/cabinetry/${name}.json`, import.meta.url), 'utf8'));
const jsonl = (text: string): Customer[] => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Customer);
const writeJsonl = (path: string, records: Customer[]) => writeFileSync(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');

const running: CabinetryEmulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.close()));
});

async function emulator(customers = 0, extra: { failRate?: number; retryAfterSeconds?: number } = {}): Promise<CabinetryEmulatorHandle> {
  const handle = (await startEmulator('cabinetry', { customers, seed: 7, ...extra })) as CabinetryEmulatorHandle;
  running.push(handle);
  return handle;
}

function setup(handle: CabinetryEmulatorHandle, profile: Record<string, unknown> = {}) {
  const dir = tempDir();
  const profiles = writeProfiles(dir, { cab: { ...handle.profile, ...profile } });
  const cli = (...args: string[]) => runCli(['--profiles', profiles, ...args], { cwd: dir });
  return { dir, cli };
}

async function api(handle: CabinetryEmulatorHandle, method: string, path: string, body?: unknown, key = sandboxApiKey) {
  const response = await fetch(`${handle.url}${path}`, {
    method,
    headers: { [apiKeyHeader]: key, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** The document's John Doe Kitchens as a canonical record from elsewhere (no source, so matched by email). */
function johnDoe(): Customer {
  const customer = fromWire(WireCustomerSchema.parse(fixture('customer')), 'elsewhere');
  delete customer.source;
  return { ...customer, key: 'JD-1' };
}

describe('cabinetry emulator: the document examples', () => {
  it('answers the create, read, update and delete examples as the document shows', async () => {
    const handle = await emulator(0);
    expect(await api(handle, 'POST', '/api/admin/customers', fixture('create-invalid-request'))).toEqual({ status: 422, body: fixture('create-invalid-response') });

    const created = await api(handle, 'POST', '/api/admin/customers', fixture('create-request'));
    expect(created.status).toBe(200);
    const id = created.body.customer.id as number;
    const expected = fixture('create-response');
    expect(created.body).toEqual({ ...expected, customer: { ...expected.customer, id } });

    const read = await api(handle, 'GET', `/api/admin/customers/${id}`);
    expect(read.body).toEqual({ ...expected, customer: { ...expected.customer, id } });

    expect(await api(handle, 'PUT', `/api/admin/customers/${id}`, fixture('update-invalid-request'))).toEqual({ status: 422, body: fixture('update-invalid-response') });
    const updated = await api(handle, 'PUT', `/api/admin/customers/${id}`, { ...fixture('update-request'), id: 99, manufacturer_id: 1 });
    const expectedUpdate = fixture('update-response');
    expect(updated).toEqual({ status: 200, body: { ...expectedUpdate, customer: { ...expectedUpdate.customer, id } } });

    expect(await api(handle, 'DELETE', `/api/admin/customers/${id}`)).toEqual({ status: 200, body: fixture('delete-response') });
    expect(await api(handle, 'GET', `/api/admin/customers/${id}`)).toEqual({ status: 404, body: { success: 0, error: { messages: ['Customer not found'] } } });
    expect((await api(handle, 'DELETE', `/api/admin/customers/${id}`)).status).toBe(404);
  });

  it('refuses deleting a customer with jobs, a wrong key, an oversized page and an unknown search field', async () => {
    const handle = await emulator(10);
    expect(await api(handle, 'DELETE', '/api/admin/customers/1004')).toEqual({ status: 409, body: fixture('delete-refused-response') });
    expect(await api(handle, 'GET', '/api/admin/customers', undefined, 'wrong')).toEqual({ status: 401, body: { success: 0, error: { messages: ['Invalid API key'] } } });
    expect((await api(handle, 'GET', '/api/admin/customers?page_size=101')).status).toBe(400);
    expect((await api(handle, 'GET', '/api/admin/customers?filter[mobile][eq]=1')).body.error.messages).toEqual(['Field mobile is not searchable']);
    const page = await api(handle, 'GET', '/api/admin/customers?current_page=2&page_size=4');
    expect(page.body.pagination).toEqual({ current_page: 2, page_count: 3, page_size: 4, total_count: 10 });
    expect(page.body.items.map((c: { id: number }) => c.id)).toEqual([1005, 1006, 1007, 1008]);
  });
});

describe('cabinetry through the CLI', () => {
  it('creates John Doe Kitchens, finds it unchanged, updates it, and rejects the invalid email before sending it', async () => {
    const handle = await emulator(0);
    const { dir, cli } = setup(handle);
    const input = join(dir, 'in.jsonl');
    writeJsonl(input, [johnDoe(), { ...johnDoe(), key: 'JD-bad', email: 'INVALID EMAIL ADDRESS' }]);
    const first = await cli('push', '--to', 'cab', '--input', input, '--rejects', join(dir, 'rejects.jsonl'), '--format', 'jsonl');
    expect(first.stderr).toContain('read 2 · created 1 · updated 0 · unchanged 0 · rejected 1 · failed 0');
    expect(first.code).toBe(1);
    const rejects = jsonl(readFileSync(join(dir, 'rejects.jsonl'), 'utf8'));
    expect(rejects.map((r) => [r.key, (r as Customer & { reason: string }).reason])).toEqual([['JD-bad', `${input}: line 2: field email: "INVALID EMAIL ADDRESS" is not an email address`]]);
    expect(handle.requests().filter((r) => r.method === 'POST')).toHaveLength(1);

    const pulled = await cli('pull', '--from', 'cab', '--format', 'jsonl');
    expect(pulled.code).toBe(0);
    const [stored] = jsonl(pulled.stdout);
    const { key, source, ...rest } = stored;
    const { key: _k, ...original } = johnDoe();
    expect(rest).toEqual(original);
    expect(source).toEqual({ system: 'cabinetry', profile: 'cab', id: key });

    writeJsonl(input, [johnDoe()]);
    expect((await cli('push', '--to', 'cab', '--input', input)).stderr).toContain('read 1 · created 0 · updated 0 · unchanged 1');
    writeJsonl(input, [{ ...johnDoe(), phone: '52 9999 9999', groups: ['Trade'] }]);
    const third = await cli('push', '--to', 'cab', '--input', input);
    expect(third.stderr).toContain('read 1 · created 0 · updated 1 · unchanged 0');
    expect((await api(handle, 'GET', `/api/admin/customers/${key}`)).body.customer).toMatchObject({ phone: '52 9999 9999', customer_labels: ['Trade'], name: 'John Doe Kitchens' });
  });

  it('pages over odd totals and never asks for more than 100 a page', async () => {
    const handle = await emulator(123);
    for (const [pageSize, pages] of [[50, 3], [100, 2], [500, 2], [undefined, 2]] as const) {
      handle.clearRequests();
      const { cli } = setup(handle, pageSize === undefined ? {} : { pageSize });
      const result = await cli('pull', '--from', 'cab', '--format', 'jsonl');
      expect(result.code).toBe(0);
      const records = jsonl(result.stdout);
      expect(records).toHaveLength(123);
      expect(new Set(records.map((r) => r.key)).size).toBe(123);
      // Keyset paging: always the first page of the customers above the last id read.
      const lists = handle.requests().filter((r) => r.path === '/api/admin/customers');
      expect(lists.map((r) => r.query.get('current_page'))).toEqual(Array.from({ length: pages }, () => '1'));
      const size = Math.min(pageSize ?? 100, 100);
      expect(lists.map((r) => r.query.get('filter[id][gt]'))).toEqual(Array.from({ length: pages }, (_, i) => (i === 0 ? '0' : records[i * size - 1].key)));
      expect(lists.every((r) => Number(r.query.get('page_size')) === Math.min(pageSize ?? 100, 100))).toBe(true);
    }
  });

  it('pushes every search condition down and returns what the client-side check returns', async () => {
    const handle = await emulator(60);
    const { cli } = setup(handle);
    const all = jsonl((await cli('pull', '--from', 'cab', '--format', 'jsonl')).stdout);
    expect(all).toHaveLength(60);
    const pivot = all[29];
    const cases: Array<[string, string, string]> = [
      [`email = ${pivot.email!.toUpperCase()}`, 'filter[email][eq]', pivot.email!.toUpperCase()],
      [`email != ${pivot.email}`, 'filter[email][neq]', pivot.email!],
      ['email ~ .1', 'filter[email][like]', '%.1%'],
      [`email > ${pivot.email}`, 'filter[email][gt]', pivot.email!],
      [`email >= ${pivot.email}`, 'filter[email][gte]', pivot.email!],
      [`email < ${pivot.email}`, 'filter[email][lt]', pivot.email!],
      [`email <= ${pivot.email}`, 'filter[email][lte]', pivot.email!],
      [`name = ${pivot.company}`, 'filter[name][eq]', pivot.company!],
      ['company ~ an', 'filter[name][like]', '%an%'],
      [`phone ~ ${pivot.phone!.slice(-4)}`, 'filter[phone][like]', `%${pivot.phone!.slice(-4)}%`],
      ['groups = vip', 'filter[customer_labels][eq]', 'vip'],
      ['discount_percent > 10', 'filter[price_adjustment][lt]', '-10'],
      ['discount_percent <= 0', 'filter[price_adjustment][gte]', '0'],
      ['status = suspended', 'filter[settings.is_suspended][eq]', '1'],
      [`id = ${pivot.key}`, 'filter[id][eq]', pivot.key],
    ];
    for (const [where, param, value] of cases) {
      handle.clearRequests();
      const result = await cli('search', '--in', 'cab', '--where', where, '--format', 'jsonl');
      expect(result.code, `${where}: ${result.stderr}`).toBe(0);
      const expected = all.filter((c) => matches(c, { where: [parseCondition(where)] })).map((c) => c.key);
      expect(jsonl(result.stdout).map((c) => c.key), where).toEqual(expected);
      expect(handle.requests().every((r) => r.query.get(param) === value), `${where} sends ${param}=${value}`).toBe(true);
    }
    // Conditions that cannot be pushed down safely are applied on the client alone, with the same result.
    handle.clearRequests();
    const neq = await cli('search', '--in', 'cab', '--where', `name != ${pivot.company}`, '--where', 'email ~ .', '--format', 'jsonl');
    expect(jsonl(neq.stdout)).toHaveLength(59);
    expect([...handle.requests()[0].query.keys()].sort()).toEqual(['current_page', 'filter[email][like]', 'filter[id][gt]', 'page_size']);
  }, 180_000);

  it('writes a record with no delivery address (delivered to its contact address) and one with only delivery addresses', async () => {
    const handle = await emulator(0);
    const { dir, cli } = setup(handle);
    const base = johnDoe();
    const billingOnly: Customer = { ...base, key: 'B1', email: 'billing-only@example.com', addresses: base.addresses.filter((a) => a.kind === 'billing') };
    const shippingOnly: Customer = {
      ...base,
      key: 'S1',
      email: 'shipping-only@example.com',
      addresses: base.addresses.filter((a) => a.kind === 'shipping').reverse(),
    };
    const input = join(dir, 'in.jsonl');
    writeJsonl(input, [billingOnly, parseCustomer(shippingOnly)]);
    const result = await cli('push', '--to', 'cab', '--input', input, '--format', 'jsonl');
    expect(result.stderr).toContain('read 2 · created 2');
    expect(result.code).toBe(0);
    const stored = jsonl((await cli('pull', '--from', 'cab', '--format', 'jsonl')).stdout);
    const b = stored.find((c) => c.email === 'billing-only@example.com')!;
    const billing = b.addresses.find((a) => a.kind === 'billing')!;
    const { kind: _k, ...billingFields } = billing;
    expect(b.addresses.filter((a) => a.kind === 'shipping')).toEqual([{ ...billingFields, kind: 'shipping' }]);
    const s = stored.find((c) => c.email === 'shipping-only@example.com')!;
    const shop = s.addresses.find((a) => a.kind === 'shipping' && a.isDefault)!;
    expect(shop.name).toBe('Shop');
    const contact = s.addresses.find((a) => a.kind === 'billing')!;
    expect(contact).toEqual({ kind: 'billing', isDefault: true, lines: shop.lines, city: shop.city, region: shop.region, regionCode: shop.regionCode, postcode: shop.postcode, country: shop.country, countryCode: shop.countryCode });
    const raw = (await api(handle, 'GET', `/api/admin/customers/${s.key}`)).body.customer;
    expect(raw.delivery_address.map((a: { name: string; default: boolean }) => [a.name, a.default])).toEqual([['Shop', true], ['Warehouse', false]]);
  });

  it('rejects a duplicate email with the API message (exit 1, reason in the rejects file)', async () => {
    const handle = await emulator(5);
    const { dir, cli } = setup(handle);
    const [a, b] = jsonl((await cli('pull', '--from', 'cab', '--format', 'jsonl', '--limit', '2')).stdout);
    const input = join(dir, 'in.jsonl');
    // b came from this profile, so it is matched by id and updated with a's email.
    writeJsonl(input, [{ ...b, email: a.email!.toUpperCase() }]);
    const result = await cli('push', '--to', 'cab', '--input', input, '--rejects', join(dir, 'rejects.jsonl'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('read 1 · created 0 · updated 0 · unchanged 0 · rejected 1');
    const rejects = jsonl(readFileSync(join(dir, 'rejects.jsonl'), 'utf8')) as Array<Customer & { reason: string }>;
    expect(rejects).toMatchObject([{ reason: 'Email address is already in use', key: b.key, email: a.email!.toUpperCase() }]);
    expect(handle.requests().filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([`/api/admin/customers/${b.key}`]);
  });

  it('rejects a record without a phone locally, sends nothing for it, and goes on with the rest', async () => {
    const handle = await emulator(0);
    const { dir, cli } = setup(handle);
    const input = join(dir, 'in.jsonl');
    writeJsonl(input, [{ ...johnDoe(), key: 'NP', email: 'nophone@example.com', phone: undefined }, johnDoe()]);
    const result = await cli('push', '--to', 'cab', '--input', input, '--format', 'jsonl', '--rejects', join(dir, 'rejects.jsonl'), '--concurrency', '1');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('read 2 · created 1 · updated 0 · unchanged 0 · rejected 1');
    const [reject] = jsonl(readFileSync(join(dir, 'rejects.jsonl'), 'utf8')) as Array<Customer & { reason: string }>;
    expect(reject).toMatchObject({ key: 'NP', reason: 'phone is mandatory: the record has no phone' });
    expect(handle.requests().some((r) => r.query.get('filter[email][eq]') === 'nophone@example.com')).toBe(false);
    expect(handle.requests().filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('respects --mode create and --mode update', async () => {
    const handle = await emulator(0);
    const { dir, cli } = setup(handle);
    const input = join(dir, 'in.jsonl');
    writeJsonl(input, [johnDoe()]);
    const update = await cli('push', '--to', 'cab', '--input', input, '--mode', 'update');
    expect(update.stderr).toContain('rejected 1');
    expect(update.stderr).toContain('not found on the target');
    expect((await cli('push', '--to', 'cab', '--input', input, '--mode', 'create')).stderr).toContain('created 1');
    const again = await cli('push', '--to', 'cab', '--input', input, '--mode', 'create');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists on the target as customer \d+/);
  });

  it('creates through a storm of 503s and 429s without a duplicate', async () => {
    const handle = await emulator(0, { failRate: 0.2, retryAfterSeconds: 0 });
    const { dir, cli } = setup(handle, { retries: 8 });
    const input = join(dir, 'in.jsonl');
    const records = Array.from({ length: 25 }, (_, i) => ({ ...johnDoe(), key: `K${i}`, email: `storm${i}@example.com` }));
    writeJsonl(input, records);
    const result = await cli('push', '--to', 'cab', '--input', input, '--concurrency', '6');
    expect(result.stderr).toContain('read 25 · created 25');
    expect(result.code).toBe(0);
    expect(handle.stats().injectedFailures).toBeGreaterThan(0);
    const all = (await api(handle, 'GET', '/api/admin/customers?page_size=100')).body;
    expect(all.pagination.total_count).toBe(25);
    expect(new Set(all.items.map((c: { email: string }) => c.email)).size).toBe(25);
  });

  it('looks for a create whose answer was lost before sending it again', async () => {
    const handle = await emulator(0);
    handle.loseCreateAnswers(3);
    const { dir, cli } = setup(handle);
    const input = join(dir, 'in.jsonl');
    writeJsonl(input, Array.from({ length: 5 }, (_, i) => ({ ...johnDoe(), key: `L${i}`, email: `lost${i}@example.com` })));
    const result = await cli('push', '--to', 'cab', '--input', input, '--concurrency', '1');
    expect(result.stderr).toContain('read 5 · created 5 · updated 0 · unchanged 0 · rejected 0 · failed 0');
    expect(result.code).toBe(0);
    expect(handle.requests().filter((r) => r.method === 'POST')).toHaveLength(5);
    expect((await api(handle, 'GET', '/api/admin/customers')).body.pagination.total_count).toBe(5);
  });

  it('counts with profiles test, stops with exit 3 on a wrong key, and refuses --since', async () => {
    const handle = await emulator(37);
    const { cli } = setup(handle);
    const test = await cli('profiles', 'test', 'cab');
    expect(test.stdout).toContain('37 customers');
    expect(handle.requests().at(-1)?.query.get('page_size')).toBe('1');
    const wrong = setup(handle, { auth: { type: 'header', name: apiKeyHeader, value: 'not-the-key' } });
    const refused = await wrong.cli('pull', '--from', 'cab');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('401');
    expect(refused.stderr).not.toContain('not-the-key');
    const since = await cli('pull', '--from', 'cab', '--since', '2026-01-01');
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since');
  });

  it('serves the emulator with custsync sandbox --dialect cabinetry', async () => {
    const child = spawn(process.execPath, [cliPath, 'sandbox', '--dialect', 'cabinetry', '--customers', '12', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const profile = await new Promise<{ baseUrl: string; auth: { name: string; value: string } }>((resolve, reject) => {
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          try {
            // Named sandbox-<dialect>-<port>: the only profile printed.
            resolve(Object.values(JSON.parse(out).profiles as Record<string, { baseUrl: string; auth: { name: string; value: string } }>)[0]);
          } catch {
            // not complete yet
          }
        });
        child.on('exit', () => reject(new Error('sandbox exited')));
      });
      expect(profile.auth.name).toBe(apiKeyHeader);
      const page = await fetch(`${profile.baseUrl}/api/admin/customers?current_page=1&page_size=5`, { headers: { [profile.auth.name]: profile.auth.value } }).then((r) => r.json());
      expect(page).toMatchObject({ success: 1, pagination: { current_page: 1, page_count: 3, page_size: 5, total_count: 12 } });
    } finally {
      child.kill('SIGTERM');
    }
  });
});
