import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxCredentials, startSpiffyEmulator, type SpiffyEmulatorHandle } from '../../../src/dialects/spiffy/emulator.js';
import { bilbo } from './fixtures.js';

/** The sandbox follows the document and SPEC section 8: checked over real HTTP. */
let emulator: SpiffyEmulatorHandle;
const bearer = { authorization: `Bearer ${sandboxCredentials.token}`, accept: 'application/json' };

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = bearer) {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, any> };
}

beforeAll(async () => {
  emulator = await startSpiffyEmulator({ customers: 75, records: [bilbo], rateLimit: { limit: 100_000 } });
});
afterAll(() => emulator.close());

describe('spiffy emulator', () => {
  it('pages with limit (default 30, max 50) and page', async () => {
    expect((await call('GET', '/api/customers.json')).json.customers).toHaveLength(30);
    const last = await call('GET', '/api/customers.json?limit=50&page=2');
    expect(last.json.customers).toHaveLength(26);
    const over = await call('GET', '/api/customers.json?limit=51');
    expect(over.status).toBe(400);
    expect(over.json.errors.limit[0]).toMatch(/50/);
  });

  it('serves the document example as it is', async () => {
    const { json } = await call('GET', '/api/customers/6.json');
    expect(json.customer).toEqual(bilbo);
  });

  it('applies the documented filters and count.json', async () => {
    const all = emulator.customers();
    const wholesale = all.filter((c) => c.wholesale).length;
    expect((await call('GET', '/api/customers/count.json')).json.count).toBe(76);
    expect((await call('GET', '/api/customers/count.json?wholesale_status=wholesale')).json.count).toBe(wholesale);
    expect((await call('GET', '/api/customers/count.json?wholesale_status=retail')).json.count).toBe(76 - wholesale);
    expect((await call('GET', '/api/customers/count.json?since_id=1070')).json.count).toBe(5);
    expect((await call('GET', '/api/customers.json?ids=6,1001')).json.customers.map((c: { id: number }) => c.id)).toEqual([6, 1001]);
    // 2010-06-15T23:15:50.925+10:00 is 13:15 UTC: inclusive bounds, read as UTC.
    expect((await call('GET', '/api/customers/count.json?created_at_min=2010-06-15%2013:15&created_at_max=2010-06-15%2013:16')).json.count).toBe(1);
    expect((await call('GET', '/api/customers/count.json?created_at_max=2010-06-15%2013:15')).json.count).toBe(0);
    expect((await call('GET', '/api/customers/count.json?created_at_min=yesterday')).status).toBe(400);
    const fields = await call('GET', '/api/customers.json?ids=6&fields=id,email,addresses');
    expect(fields.json.customers).toEqual([{ id: 6, email: 'bilbo@lordoftherings.com' }]);
  });

  it('searches by text and by search filters', async () => {
    const found = await call('GET', `/api/customers/search.json?query=${encodeURIComponent('Bilbo country:"New Zealand" total_spent:>100')}`);
    expect(found.json.customers.map((c: { id: number }) => c.id)).toEqual([6]);
    const none = await call('GET', `/api/customers/search.json?query=${encodeURIComponent('Bilbo -state:enabled')}`);
    expect(none.json.customers).toEqual([]);
  });

  it('creates, updates and deletes; 422 for a taken or invalid email and for state', async () => {
    const created = await call('POST', '/api/customers.json', { customer: { first_name: 'Gandalf', last_name: 'Wizard', email: 'gandalf@lordoftherings.com', addresses: [{ address1: 'Orthanc', default: false }] } });
    expect(created.status).toBe(201);
    expect(created.json.customer).toMatchObject({ state: 'disabled', name: 'Gandalf Wizard', default_address: { address1: 'Orthanc', default: true } });
    const id = created.json.customer.id as number;
    const taken = await call('POST', '/api/customers.json', { customer: { email: 'BILBO@lordoftherings.com' } });
    expect(taken).toMatchObject({ status: 422, json: { errors: { email: ['has already been taken'] } } });
    expect((await call('POST', '/api/customers.json', { customer: { email: 'not an email' } })).json.errors.email).toEqual(['is invalid']);
    expect((await call('PUT', `/api/customers/${id}.json`, { customer: { id, state: 'enabled' } })).json.errors.state).toBeDefined();
    const updated = await call('PUT', `/api/customers/${id}.json`, { customer: { id, note: 'The ring has been found.' } });
    expect(updated.json.customer).toMatchObject({ note: 'The ring has been found.', email: 'gandalf@lordoftherings.com' });
    expect(await call('DELETE', `/api/customers/${id}.json`)).toMatchObject({ status: 200, json: {} });
    expect((await call('GET', `/api/customers/${id}.json`)).status).toBe(404);
  });

  it('accepts bearer and basic auth and answers 401 with a JSON body otherwise', async () => {
    const basic = `Basic ${Buffer.from(`${sandboxCredentials.username}:${sandboxCredentials.password}`).toString('base64')}`;
    expect((await call('GET', '/api/customers/count.json', undefined, { authorization: basic })).status).toBe(200);
    const refused = await call('GET', '/api/customers/count.json', undefined, { authorization: 'Bearer wrong' });
    expect(refused.status).toBe(401);
    expect(refused.json.errors).toMatch(/Invalid API key or access token/);
  });
});

describe('spiffy emulator rate limit', () => {
  it('counts calls in X-Ratelimit and answers 429 with Retry-After past the limit', async () => {
    const limited = await startSpiffyEmulator({ customers: 1, rateLimit: { limit: 3, periodSeconds: 300 } });
    try {
      const remaining: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        const response = await fetch(`${limited.url}/api/customers/count.json`, { headers: bearer });
        remaining.push(JSON.parse(response.headers.get('x-ratelimit')!).remaining);
      }
      expect(remaining).toEqual([2, 1, 0]);
      const refused = await fetch(`${limited.url}/api/customers/count.json`, { headers: bearer });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(200);
      expect(JSON.parse(refused.headers.get('x-ratelimit')!)).toMatchObject({ name: 'API', period: 300, limit: 3, remaining: 0 });
      expect(limited.rateLimited()).toBe(1);
    } finally {
      await limited.close();
    }
  });
});
