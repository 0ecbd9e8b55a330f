import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ProtocolError, RemoteError } from '../../src/core/errors.js';
import { HttpClient, type HttpClientOptions } from '../../src/http/client.js';
import { onHttpEvent } from '../../src/http/events.js';
import { TokenBucket } from '../../src/http/rate-limit.js';
import { silentLogger } from '../../src/ui/logger.js';

/** A loopback server whose answers the test scripts, recording what arrived and when. */
async function scriptedServer(answer: (req: IncomingMessage, res: ServerResponse, n: number, body: string) => void) {
  const seen: Array<{ method: string; url: string; at: number; auth?: string; body: string }> = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method!, url: req.url!, at: Date.now(), auth: req.headers.authorization, body });
    answer(req, res, seen.length, body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(server);
  return { url, seen };
}
const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

function client(url: string, extra: Partial<HttpClientOptions> = {}): HttpClient {
  return new HttpClient({ profileName: 'test', baseUrl: url, log: silentLogger, retryPolicy: { baseDelayMs: 5, maxDelayMs: 20 }, ...extra });
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('HttpClient retries', () => {
  it('retries 503 on a GET and returns the answer that worked', async () => {
    const { url, seen } = await scriptedServer((_req, res, n) => (n < 3 ? json(res, 503, { e: 'down' }) : json(res, 200, { ok: true })));
    const { data } = await client(url).json({ method: 'GET', path: '/x' }, z.object({ ok: z.boolean() }));
    expect(data.ok).toBe(true);
    expect(seen).toHaveLength(3);
  });

  it('honours Retry-After on 429: the wait it names comes between the refused request and the retry', async () => {
    // One timeline of what the server saw and what the client announced, compared by order, not by the clock.
    const timeline: string[] = [];
    const { url, seen } = await scriptedServer((_req, res, n) => {
      timeline.push(`request ${n}`);
      return n === 1 ? json(res, 429, {}, { 'retry-after': '1' }) : json(res, 200, {});
    });
    const stop = onHttpEvent((event) => timeline.push(`${event.kind} ${event.cause} ${event.waitMs}`));
    const response = await client(url, { retryPolicy: { baseDelayMs: 5, maxDelayMs: 20 } }).send({ method: 'GET', path: '/x' });
    stop();
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(2);
    // Retry-After: 1 is 1000 ms, not the 5 ms backoff of the policy.
    expect(timeline).toEqual(['request 1', 'retry 429 1000', 'wait retry-after 1000', 'request 2']);
  });

  it('a 429 holds back every request of the profile until its Retry-After, without a rateLimit too', async () => {
    // The server notes when its Retry-After ends and counts what arrives before.
    let quietUntil = 0;
    let early = 0;
    const { url, seen } = await scriptedServer((_req, res, n) => {
      if (Date.now() < quietUntil) early += 1;
      if (n === 1) {
        quietUntil = Date.now() + 1000;
        return json(res, 429, {}, { 'retry-after': '1' });
      }
      json(res, 200, {});
    });
    const c = client(url);
    // The others are asked for once the 429 is known (its retry announced), as a writer's next batches would be.
    const others: Array<Promise<unknown>> = [];
    const stop = onHttpEvent((event) => {
      if (event.kind === 'retry' && others.length === 0) for (let i = 0; i < 5; i += 1) others.push(c.send({ method: 'GET', path: `/other/${i}` }));
    });
    try {
      expect((await c.send({ method: 'GET', path: '/first' })).status).toBe(200);
      await Promise.all(others);
    } finally {
      stop();
    }
    expect(others).toHaveLength(5);
    expect(seen).toHaveLength(7);
    expect(early).toBe(0);
  });

  it('retries a create after a 429 (nothing was done) but not after a 503 without a way to check', async () => {
    const first = await scriptedServer((_req, res, n) => (n === 1 ? json(res, 429, {}, { 'retry-after': '0' }) : json(res, 201, {})));
    expect((await client(first.url).send({ method: 'POST', path: '/c', json: {} })).status).toBe(201);
    const second = await scriptedServer((_req, res) => json(res, 503, { error: 'busy' }));
    await expect(client(second.url).send({ method: 'POST', path: '/c', json: {} })).rejects.toThrow(/answered 503/);
    expect(second.seen).toHaveLength(1);
  });

  it('asks recover before sending a create again, and uses what it found', async () => {
    const { url, seen } = await scriptedServer((_req, res) => json(res, 503, {}));
    let asked = 0;
    const response = await client(url).send({
      method: 'POST',
      path: '/c',
      json: {},
      recover: async () => {
        asked += 1;
        return { status: 200, headers: {}, text: '{"found":true}', label: 'lookup' };
      },
    });
    expect(asked).toBe(1);
    expect(response.text).toBe('{"found":true}');
    expect(seen).toHaveLength(1);
  });

  it('gives up after the retries with an error carrying method, URL, status and a body snippet', async () => {
    const { url, seen } = await scriptedServer((_req, res) => json(res, 502, { message: 'bad gateway upstream' }));
    const error = await client(url, { retries: 2 }).send({ method: 'GET', path: '/items', query: { api_key: 'k-secret' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    const remote = error as RemoteError;
    expect(remote.exitCode).toBe(3);
    expect(remote.method).toBe('GET');
    expect(remote.status).toBe(502);
    expect(remote.url).toContain('/items');
    expect(remote.url).not.toContain('k-secret');
    expect(remote.bodySnippet).toContain('bad gateway upstream');
    expect(seen).toHaveLength(3);
  });

  it('retries connection errors and then says what to check', async () => {
    const error = await client('http://127.0.0.1:1', { retries: 1 }).send({ method: 'GET', path: '/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).hint).toContain('is reachable');
  });

  it('hands 4xx answers back to the caller', async () => {
    const { url } = await scriptedServer((_req, res) => json(res, 422, { errors: { email: ['taken'] } }));
    expect((await client(url).send({ method: 'POST', path: '/c', json: {} })).status).toBe(422);
  });
});

describe('HttpClient auth', () => {
  it('a 401 with a static token is a RemoteError that says what to check and shows no secret', async () => {
    const { url, seen } = await scriptedServer((_req, res) => json(res, 401, { error: 'nope' }));
    const error = await client(url, { auth: { type: 'bearer', token: 'tok-very-secret' } }).send({ method: 'GET', path: '/' }).catch((e: unknown) => e);
    expect(seen[0].auth).toBe('Bearer tok-very-secret');
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).hint).toContain('check the token');
    expect(JSON.stringify({ ...(error as object), m: (error as Error).message })).not.toContain('tok-very-secret');
  });

  it('oauth2: fetches a token once, refreshes once on 401, then stops with a message about the client credentials', async () => {
    let issued = 0;
    const valid = new Set<string>();
    const { url, seen } = await scriptedServer((req, res, _n, body) => {
      if (req.url === '/oauth/token') {
        const form = new URLSearchParams(body);
        if (form.get('client_secret') !== 's3cret-value') return json(res, 401, { error: 'invalid_client' });
        issued += 1;
        const token = `t${issued}`;
        valid.add(token);
        return json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: '3600' });
      }
      const token = req.headers.authorization?.slice(7) ?? '';
      if (req.url === '/revoke') valid.clear();
      if (!valid.has(token)) return json(res, 401, { error: 'expired' });
      json(res, 200, { token });
    });
    const c = client(url, { auth: { type: 'oauth2', tokenUrl: '/oauth/token', clientId: 'id', clientSecret: 's3cret-value' } });
    await Promise.all([c.send({ method: 'GET', path: '/a' }), c.send({ method: 'GET', path: '/b' })]);
    expect(issued).toBe(1);
    valid.clear();
    const after = await c.send({ method: 'GET', path: '/c' });
    expect(JSON.parse(after.text)).toEqual({ token: 't2' });
    expect(issued).toBe(2);

    const bad = client(url, { auth: { type: 'oauth2', tokenUrl: '/oauth/token', clientId: 'id', clientSecret: 'wrong-secret' } });
    const error = await bad.send({ method: 'GET', path: '/a' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toContain('client credentials');
    expect((error as RemoteError).hint).toContain('clientSecret');
    expect(String((error as Error).message) + (error as RemoteError).hint).not.toContain('wrong-secret');
    expect(seen.some((s) => s.url === '/oauth/token')).toBe(true);
  });
});

describe('HttpClient token requests', () => {
  it('retries the token request on 503 and 429 like any other request', async () => {
    let tokenCalls = 0;
    const { url } = await scriptedServer((req, res) => {
      if (req.url === '/oauth/token') {
        tokenCalls += 1;
        if (tokenCalls === 1) return json(res, 503, { error: 'busy' });
        if (tokenCalls === 2) return json(res, 429, {}, { 'retry-after': '0' });
        return json(res, 200, { access_token: 'tok', expires_in: 60 });
      }
      json(res, req.headers.authorization === 'Bearer tok' ? 200 : 401, {});
    });
    const c = client(url, { auth: { type: 'oauth2', tokenUrl: 'oauth/token', clientId: 'id', clientSecret: 'secret-xyz' } });
    expect((await c.send({ method: 'GET', path: '/a' })).status).toBe(200);
    expect(tokenCalls).toBe(3);
  });
});

describe('HttpClient answers', () => {
  it('a 2xx that is not the expected JSON is a protocol error naming the request', async () => {
    const { url } = await scriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html>oops</html>');
    });
    const error = await client(url).json({ method: 'GET', path: '/list' }, z.object({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toContain('GET http://127.0.0.1');
    expect((error as Error).message).toContain('not JSON');
  });

  it('a 2xx with the wrong shape names the path of the problem', async () => {
    const { url } = await scriptedServer((_req, res) => json(res, 200, { items: 'no' }));
    await expect(client(url).json({ method: 'GET', path: '/list' }, z.object({ items: z.array(z.string()) }))).rejects.toThrow(/items: /);
  });

  it('stops reading an answer larger than the cap', async () => {
    const { url } = await scriptedServer((_req, res) => {
      res.writeHead(200);
      res.end('x'.repeat(2 * 1024 * 1024));
    });
    await expect(client(url, { maxBodyBytes: 1024 * 1024 }).send({ method: 'GET', path: '/' })).rejects.toThrow(/larger than 1 MB/);
  });
});

describe('TokenBucket', () => {
  // A clock the test moves: which takes have gone through at each instant is a count, not a timing.
  afterEach(() => {
    vi.useRealTimers();
  });

  async function takes(bucket: TokenBucket, n: number): Promise<{ done: () => number }> {
    let done = 0;
    for (let i = 0; i < n; i += 1) void bucket.take().then(() => (done += 1));
    await vi.advanceTimersByTimeAsync(0);
    return { done: () => done };
  }

  it('lets a burst through and then spaces requests at the rate', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const bucket = new TokenBucket(20, 2);
    const { done } = await takes(bucket, 6);
    // 2 from the burst at once, then one every 50 ms (20/s).
    expect(done()).toBe(2);
    await vi.advanceTimersByTimeAsync(49);
    expect(done()).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(done()).toBe(3);
    await vi.advanceTimersByTimeAsync(100);
    expect(done()).toBe(5);
    await vi.advanceTimersByTimeAsync(50);
    expect(done()).toBe(6);
  });

  it('pauseUntil holds every caller back until then, and no longer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const bucket = new TokenBucket(1000, 10);
    bucket.pauseUntil(Date.now() + 300);
    const { done } = await takes(bucket, 3);
    expect(done()).toBe(0);
    expect(bucket.pauseLeft()).toBe(300);
    await vi.advanceTimersByTimeAsync(299);
    expect(done()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(done()).toBe(3);
    expect(bucket.pauseLeft()).toBe(0);
  });
});

describe('HttpClient timeouts (timeoutMs and retries of the profile)', () => {
  it('gives up on a server that never answers after 1 + retries tries, saying timeoutMs', async () => {
    const { url, seen } = await scriptedServer(() => undefined);
    const error = await client(url, { timeoutMs: 200, retries: 2 }).send({ method: 'GET', path: '/x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toMatch(/no complete answer within 200 ms \(timeoutMs of profile "test"\) \(3 tries\)/);
    expect((error as RemoteError).hint).toContain('raise timeoutMs of profile "test"');
    expect(seen).toHaveLength(3);
  });

  it('times out an answer that trickles in a byte at a time, which per-chunk timeouts never would', async () => {
    const { url, seen } = await scriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const drip = setInterval(() => res.write(' '), 20);
      res.on('close', () => clearInterval(drip));
    });
    const error = await client(url, { timeoutMs: 300, retries: 1 }).send({ method: 'GET', path: '/x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toContain('no complete answer within 300 ms');
    expect(seen).toHaveLength(2);
  });

  it('does not send a create again after a timeout unless it can check the target first', async () => {
    const { url, seen } = await scriptedServer(() => undefined);
    const error = await client(url, { timeoutMs: 150, retries: 3 }).send({ method: 'POST', path: '/c', json: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(seen).toHaveLength(1);
    let checks = 0;
    const checked = await scriptedServer(() => undefined);
    await client(checked.url, { timeoutMs: 150, retries: 2 })
      .send({ method: 'POST', path: '/c', json: {}, recover: async () => { checks += 1; return undefined; } })
      .catch(() => undefined);
    expect(checked.seen).toHaveLength(3);
    expect(checks).toBe(2);
  });

  it('an answer within the time is taken', async () => {
    const { url } = await scriptedServer((_req, res) => setTimeout(() => json(res, 200, { ok: true }), 50));
    const { data } = await client(url, { timeoutMs: 2000, retries: 0 }).json({ method: 'GET', path: '/x' }, z.object({ ok: z.boolean() }));
    expect(data.ok).toBe(true);
  });
});

describe("HttpClient: the server's clock", () => {
  it('keeps the least offset of the Date headers from the local clock: a lower bound of the server clock', async () => {
    const behind = 3_600_000;
    const { url } = await scriptedServer((_req, res, n) => json(res, 200, {}, { date: new Date(Date.now() - behind + (n === 2 ? 30_000 : 0)).toUTCString() }));
    const http = client(url);
    expect(http.serverClockOffsetMs).toBeUndefined();
    await http.send({ method: 'GET', path: '/a' });
    const first = http.serverClockOffsetMs!;
    // The header is cut to the second and written before the answer arrives: never above the true offset.
    expect(first).toBeLessThanOrEqual(-behind);
    expect(first).toBeGreaterThan(-behind - 1000 - 500);
    await http.send({ method: 'GET', path: '/b' });
    expect(http.serverClockOffsetMs).toBe(first);
  });

  it('has none when no answer carried a Date header', async () => {
    const { url } = await scriptedServer((_req, res) => {
      res.sendDate = false;
      json(res, 200, {});
    });
    const http = client(url);
    await http.send({ method: 'GET', path: '/a' });
    expect(http.serverClockOffsetMs).toBeUndefined();
  });
});
