import { afterEach, describe, expect, it } from 'vitest';
import { hasBearer, startEmulatorServer, type EmulatorServer } from '../../src/emulator/server.js';
import { generateCustomer, generateCustomers } from '../../src/emulator/generator.js';

const running: EmulatorServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
});

async function start(options: Partial<Parameters<typeof startEmulatorServer>[0]> = {}) {
  const server = await startEmulatorServer({
    name: 'test',
    routes: [
      { method: 'GET', path: '/items/:id.json', handler: (req) => ({ status: 200, body: { id: req.params.id, q: req.query.get('q') } }) },
      { method: 'POST', path: '/items', handler: (req) => ({ status: 201, body: JSON.parse(req.body) }) },
      { method: 'POST', path: '/token', public: true, handler: () => ({ status: 200, body: { access_token: 't' } }) },
    ],
    authorize: (req) => (hasBearer(req, 'good') ? undefined : { status: 401, body: { error: 'unauthorized' } }),
    ...options,
  });
  running.push(server);
  return server;
}

const get = (url: string, token = 'good') => fetch(url, { headers: { authorization: `Bearer ${token}` } });

describe('emulator server toolkit', () => {
  it('routes with URL-decoded params and answers on loopback', async () => {
    const server = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const answer = await get(`${server.url}/items/a%40b.json?q=x`);
    expect(await answer.json()).toEqual({ id: 'a@b', q: 'x' });
  });

  it('checks auth, except on public routes, and counts refusals', async () => {
    const server = await start();
    expect((await get(`${server.url}/items/1.json`, 'bad')).status).toBe(401);
    expect((await fetch(`${server.url}/token`, { method: 'POST' })).status).toBe(200);
    expect(server.stats().unauthorized).toBe(1);
  });

  it('answers unknown routes 404', async () => {
    const server = await start();
    expect((await get(`${server.url}/nothing`)).status).toBe(404);
  });

  it('injects 429 (with Retry-After) and 503 at the fail rate, and counts them apart from writes', async () => {
    const server = await start({ failRate: 1, retryAfterSeconds: 2 });
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i += 1) {
      const answer = await fetch(`${server.url}/items`, { method: 'POST', headers: { authorization: 'Bearer good' }, body: '{}' });
      statuses.add(answer.status);
      if (answer.status === 429) expect(answer.headers.get('retry-after')).toBe('2');
    }
    expect([...statuses].sort()).toEqual([429, 503]);
    const stats = await (await fetch(`${server.url}/__sandbox/stats`)).json();
    expect(stats).toMatchObject({ requests: 12, writes: 0, injectedFailures: 12, byMethod: { POST: 12 } });
  });

  it('adds latency to every answer: asked at once, the slow server answers after the fast one', async () => {
    const slow = await start({ latencyMs: 300 });
    const fast = await start();
    const order: string[] = [];
    await Promise.all([
      get(`${slow.url}/items/1.json`).then(() => order.push('slow')),
      get(`${fast.url}/items/1.json`).then(() => order.push('fast')),
    ]);
    expect(order).toEqual(['fast', 'slow']);
  });
});

describe('customer generator', () => {
  it('is deterministic for a seed, and record i does not depend on the count', () => {
    const a = [...generateCustomers(30, 5)];
    const b = [...generateCustomers(30, 5)];
    expect(a).toEqual(b);
    expect(generateCustomer(29, 5)).toEqual(a[29]);
    expect([...generateCustomers(3, 6)]).not.toEqual(a.slice(0, 3));
  });

  it('produces the awkward data a migration meets', () => {
    const base = [...generateCustomers(400, 1)];
    const text = JSON.stringify(base);
    expect(new Set(base.map((c) => c.email)).size).toBe(400);
    expect(new Set(base.flatMap((c) => c.addresses.map((a) => a.countryCode))).size).toBeGreaterThanOrEqual(5);
    expect(base.some((c) => c.lastName?.includes("'"))).toBe(true);
    expect(base.some((c) => c.note?.includes('\n'))).toBe(true);
    expect(base.some((c) => c.note?.includes('"') && c.note.includes(','))).toBe(true);
    expect(text).toMatch(/[ÄÖÜäöüéèłżś]/);
    expect(base.some((c) => c.addresses.some((a) => a.kind === 'shipping'))).toBe(true);
    expect(base.some((c) => c.groups.length > 0)).toBe(true);
  });
});

describe("emulator clock", () => {
  it('sends its own Date header, off from ours by clockOffsetMs, or from a clock a test holds', async () => {
    const behind = await start({ clockOffsetMs: -3_600_000 });
    const date = Date.parse((await get(`${behind.url}/items/1.json`)).headers.get('date')!);
    expect(Math.abs(date - (Date.now() - 3_600_000))).toBeLessThan(5_000);
    const held = await start({ clock: () => Date.parse('2026-11-25T02:50:00.700Z') });
    expect((await get(`${held.url}/items/1.json`)).headers.get('date')).toBe('Wed, 25 Nov 2026 02:50:00 GMT');
  });

  it('stamps the changes it makes with that clock (spiffy)', async () => {
    const { startSpiffyEmulator } = await import('../../src/dialects/spiffy/emulator.js');
    const shop = await startSpiffyEmulator({ customers: 0, clock: () => Date.parse('2026-11-25T02:50:00.700Z') });
    try {
      const created = await fetch(`${shop.url}/api/customers.json`, {
        method: 'POST',
        headers: { authorization: 'Bearer spiffy-sandbox-token', 'content-type': 'application/json' },
        body: JSON.stringify({ customer: { first_name: 'A', email: 'a@example.com' } }),
      });
      // The store's own zone, +10:00.
      expect(((await created.json()) as { customer: { updated_at: string } }).customer.updated_at).toBe('2026-11-25T12:50:00.700+10:00');
    } finally {
      await shop.close();
    }
  });
});
