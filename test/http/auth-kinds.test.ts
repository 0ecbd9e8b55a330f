import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProtocolError, RemoteError } from '../../src/core/errors.js';
import { redactSecrets } from '../../src/core/secrets.js';
import { createAuth } from '../../src/http/auth.js';
import { Agent } from '../../src/http/undici.js';

/** Each auth kind as request headers, and the OAuth2 client-credentials exchange against a scripted token endpoint on loopback. */
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const agent = () => {
  const a = new Agent();
  closers.push(() => a.close());
  return a;
};

async function tokenServer(answer: (res: ServerResponse, n: number, body: string) => void) {
  const bodies: string[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    bodies.push(body);
    answer(res, bodies.length, body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
}

const reply = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

const noRetry = { retries: 0, baseDelayMs: 1, maxDelayMs: 1 };

describe('static auth kinds', () => {
  it('none: no headers, nothing to refresh', async () => {
    for (const auth of [undefined, { type: 'none' as const }]) {
      const a = createAuth(auth, 'shop', agent(), 'http://127.0.0.1:9');
      expect(await a.headers()).toEqual({});
      expect(a.invalidate()).toBe(false);
      expect(a.checkHint).toBe('profile "shop" has no auth: add one');
    }
  });

  it('bearer: Authorization Bearer TOKEN', async () => {
    const a = createAuth({ type: 'bearer', token: 'tok-1' }, 'shop', agent(), 'http://127.0.0.1:9');
    expect(await a.headers()).toEqual({ authorization: 'Bearer tok-1' });
    expect(a.invalidate()).toBe(false);
    expect(a.checkHint).toBe('check the token in auth of profile "shop"');
  });

  it('basic: Authorization Basic base64(user:password), the encoded form registered as a secret', async () => {
    const a = createAuth({ type: 'basic', username: 'ann', password: 'auth-kinds-pw' }, 'shop', agent(), 'http://127.0.0.1:9');
    const encoded = Buffer.from('ann:auth-kinds-pw').toString('base64');
    expect(await a.headers()).toEqual({ authorization: `Basic ${encoded}` });
    expect(redactSecrets(`sent ${encoded}`)).toBe('sent ***');
    expect(a.invalidate()).toBe(false);
    expect(a.checkHint).toBe('check auth.username and auth.password of profile "shop"');
  });

  it('header: the named header, lower-cased, with the value', async () => {
    const a = createAuth({ type: 'header', name: 'X-GC-API-KEY', value: 'k-1' }, 'cab', agent(), 'http://127.0.0.1:9');
    expect(await a.headers()).toEqual({ 'x-gc-api-key': 'k-1' });
    expect(a.invalidate()).toBe(false);
    expect(a.checkHint).toBe('check auth.value (sent as X-GC-API-KEY) of profile "cab"');
  });
});

describe('oauth2 client credentials', () => {
  const oauth = (scope?: string) => ({ type: 'oauth2' as const, tokenUrl: '/oauth2/token', clientId: 'cid', clientSecret: 'auth-kinds-secret', ...(scope ? { scope } : {}) });

  it('posts the client credentials (and the scope) as a form, sends the token as Bearer, registers it as a secret', async () => {
    const { url, bodies } = await tokenServer((res) => reply(res, 200, { access_token: 'auth-kinds-token-1', token_type: 'BearerToken', expires_in: '3600' }));
    const a = createAuth(oauth('read write'), 'prop', agent(), `${url}/v2`, undefined, noRetry);
    expect(await a.headers()).toEqual({ authorization: 'Bearer auth-kinds-token-1' });
    expect(Object.fromEntries(new URLSearchParams(bodies[0]))).toEqual({ grant_type: 'client_credentials', client_id: 'cid', client_secret: 'auth-kinds-secret', scope: 'read write' });
    expect(redactSecrets('auth-kinds-token-1')).toBe('***');
    expect(a.checkHint).toBe('check auth.clientId and auth.clientSecret of profile "prop"');
    // Cached: a second call asks nobody.
    await a.headers();
    expect(bodies).toHaveLength(1);
  });

  it('no scope is no scope parameter; concurrent callers share one token request', async () => {
    const { url, bodies } = await tokenServer((res) => setTimeout(() => reply(res, 200, { access_token: 'shared-token' }), 20));
    const a = createAuth(oauth(), 'prop', agent(), url, undefined, noRetry);
    const all = await Promise.all([a.headers(), a.headers(), a.headers()]);
    expect(all.map((h) => h.authorization)).toEqual(['Bearer shared-token', 'Bearer shared-token', 'Bearer shared-token']);
    expect(bodies).toHaveLength(1);
    expect(new URLSearchParams(bodies[0]).has('scope')).toBe(false);
  });

  it('invalidate forgets the token it was sent with (and only that one), and always allows one more try', async () => {
    const { url, bodies } = await tokenServer((res, n) => reply(res, 200, { access_token: `tok-${n}`, expires_in: 3600 }));
    const a = createAuth(oauth(), 'prop', agent(), url, undefined, noRetry);
    const first = await a.headers();
    expect(a.invalidate({ authorization: 'Bearer some-older-token' })).toBe(true);
    expect(await a.headers()).toEqual(first);
    expect(a.invalidate(first)).toBe(true);
    expect(await a.headers()).toEqual({ authorization: 'Bearer tok-2' });
    expect(a.invalidate()).toBe(true);
    expect(await a.headers()).toEqual({ authorization: 'Bearer tok-3' });
    expect(bodies).toHaveLength(3);
  });

  it('a token that expires within the slack is fetched again on the next call', async () => {
    const { url, bodies } = await tokenServer((res, n) => reply(res, 200, { access_token: `tok-${n}`, expires_in: 0 }));
    const a = createAuth(oauth(), 'prop', agent(), url, undefined, noRetry);
    expect(await a.headers()).toEqual({ authorization: 'Bearer tok-1' });
    expect(await a.headers()).toEqual({ authorization: 'Bearer tok-2' });
    expect(bodies).toHaveLength(2);
  });

  it.each([400, 401, 403])('%s: the client credentials were refused, with what to check', async (status) => {
    const { url } = await tokenServer((res) => reply(res, status, { error: 'invalid_client' }));
    const error = await createAuth(oauth(), 'prop', agent(), url, undefined, noRetry).headers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).message).toBe(`the token endpoint refused the client credentials (${status})`);
    expect((error as RemoteError).hint).toBe('check auth.clientId and auth.clientSecret of profile "prop"');
    expect((error as RemoteError).bodySnippet).toBe('{"error":"invalid_client"}');
    expect((error as RemoteError).status).toBe(status);
  });

  it('another failure status is said as it is; an answer that is not a token is a protocol error', async () => {
    const down = await tokenServer((res) => reply(res, 500, 'down'));
    expect(await createAuth(oauth(), 'prop', agent(), down.url, undefined, noRetry).headers().catch((e: Error) => e.message)).toBe('the token endpoint answered 500');
    const moved = await tokenServer((res) => reply(res, 302, ''));
    expect(await createAuth(oauth(), 'prop', agent(), moved.url, undefined, noRetry).headers().catch((e: Error) => e.message)).toBe('the token endpoint answered 302');
    for (const body of ['not json', { token: 'x' }, { access_token: '' }, { access_token: 'x', expires_in: 'soon' }, { access_token: 'x', expires_in: -1 }]) {
      const odd = await tokenServer((res) => reply(res, 200, body));
      const error = await createAuth(oauth(), 'prop', agent(), odd.url, undefined, noRetry).headers().catch((e: unknown) => e);
      expect(error, JSON.stringify(body)).toBeInstanceOf(ProtocolError);
      expect((error as Error).message).toBe("the token endpoint's answer is not a client-credentials token");
    }
  });

  it('sends the form with its content type and asks for JSON', async () => {
    const seen: Array<string | undefined> = [];
    const probe = createServer((req, res) => {
      seen.push(req.headers['content-type'], req.headers.accept);
      req.resume();
      reply(res, 200, { access_token: 'typed-token' });
    });
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => { probe.closeAllConnections(); probe.close(() => r()); }));
    await createAuth(oauth(), 'prop', agent(), `http://127.0.0.1:${(probe.address() as AddressInfo).port}`, undefined, noRetry).headers();
    expect(seen).toEqual(['application/x-www-form-urlencoded', 'application/json']);
  });

  it('retries a busy token endpoint as many times as the policy allows, no more', async () => {
    const once = await tokenServer((res, n) => (n === 1 ? reply(res, 503, 'busy') : reply(res, 200, { access_token: 'after-retry' })));
    const retryOnce = { retries: 1, baseDelayMs: 1, maxDelayMs: 1 };
    expect(await createAuth(oauth(), 'prop', agent(), once.url, undefined, retryOnce).headers()).toEqual({ authorization: 'Bearer after-retry' });
    expect(once.bodies).toHaveLength(2);
    const always = await tokenServer((res) => reply(res, 503, 'busy'));
    const error = await createAuth(oauth(), 'prop', agent(), always.url, undefined, retryOnce).headers().catch((e: unknown) => e);
    expect(always.bodies).toHaveLength(2);
    expect(error).toMatchObject({ message: 'the token endpoint answered 503', method: 'POST', status: 503, bodySnippet: 'busy', url: `${always.url}/oauth2/token` });
  });

  it('retries a connection that breaks, and counts the tries', async () => {
    let n = 0;
    const flaky = createServer((req, res) => {
      n += 1;
      if (n === 1) req.socket.destroy();
      else reply(res, 200, { access_token: 'after-reset' });
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => { flaky.closeAllConnections(); flaky.close(() => r()); }));
    const url = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
    const retryOnce = { retries: 1, baseDelayMs: 1, maxDelayMs: 1 };
    expect(await createAuth(oauth(), 'prop', agent(), url, undefined, retryOnce).headers()).toEqual({ authorization: 'Bearer after-reset' });
    expect(n).toBe(2);
    const error = await createAuth(oauth(), 'prop', agent(), 'http://127.0.0.1:1', undefined, retryOnce).headers().catch((e: unknown) => e);
    expect((error as RemoteError).message).toMatch(/ \(2 tries\)$/);
    expect(error).toMatchObject({ method: 'POST', url: 'http://127.0.0.1:1/oauth2/token' });
  });

  it('an endpoint that does not answer in time says so, with the timeout to raise', async () => {
    const { url } = await tokenServer(() => undefined);
    const error = await createAuth(oauth(), 'prop', agent(), url, undefined, noRetry, 200).headers().catch((e: unknown) => e);
    expect(error).toMatchObject({
      message: `the token endpoint ${url}/oauth2/token did not answer within 200 ms (1 try)`,
      hint: 'check auth.tokenUrl of profile "prop", or raise its timeoutMs if the endpoint is slow',
    });
  });

  it('a 300 answer is a failure, not a token', async () => {
    const { url } = await tokenServer((res) => reply(res, 300, { access_token: 'not-a-token' }));
    expect(await createAuth(oauth(), 'prop', agent(), url, undefined, noRetry).headers().catch((e: Error) => e.message)).toBe('the token endpoint answered 300');
  });

  it('a protocol error names the request', async () => {
    const { url } = await tokenServer((res) => reply(res, 200, 'not json'));
    const error = await createAuth(oauth(), 'prop', agent(), url, undefined, noRetry).headers().catch((e: unknown) => e);
    expect(error).toMatchObject({ method: 'POST', url: `${url}/oauth2/token`, status: 200, bodySnippet: 'not json' });
  });

  describe('lifetime', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('an answer without expires_in, or with null, is good for an hour, not for no time', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      for (const answer of [{}, { expires_in: null }]) {
        const { url, bodies } = await tokenServer((res, n) => reply(res, 200, { access_token: `hour-${n}`, ...answer }));
        const a = createAuth(oauth(), 'prop', agent(), url, undefined, noRetry);
        await a.headers();
        vi.setSystemTime(Date.now() + 59 * 60_000);
        await a.headers();
        expect(bodies, JSON.stringify(answer)).toHaveLength(1);
        vi.setSystemTime(Date.now() + 2 * 60_000);
        expect(await a.headers()).toEqual({ authorization: 'Bearer hour-2' });
      }
    });

    it('a token is fetched again a tenth of its lifetime before it expires (30 s at most)', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const { url, bodies } = await tokenServer((res, n) => reply(res, 200, { access_token: `short-${n}`, expires_in: 100 }));
      const a = createAuth(oauth(), 'prop', agent(), url, undefined, noRetry);
      const start = Date.now();
      await a.headers();
      vi.setSystemTime(start + 89_000);
      await a.headers();
      expect(bodies).toHaveLength(1);
      vi.setSystemTime(start + 91_000);
      await a.headers();
      expect(bodies).toHaveLength(2);
      const long = await tokenServer((res, n) => reply(res, 200, { access_token: `long-${n}`, expires_in: 3600 }));
      const b = createAuth(oauth(), 'prop', agent(), long.url, undefined, noRetry);
      const t0 = Date.now();
      await b.headers();
      vi.setSystemTime(t0 + 3569_000);
      await b.headers();
      expect(long.bodies).toHaveLength(1);
      vi.setSystemTime(t0 + 3571_000);
      await b.headers();
      expect(long.bodies).toHaveLength(2);
    });
  });

  it('an endpoint that cannot be reached names tokenUrl and the tries', async () => {
    const error = await createAuth(oauth(), 'prop', agent(), 'http://127.0.0.1:1', undefined, noRetry).headers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).message).toMatch(/^cannot reach the token endpoint http:\/\/127\.0\.0\.1:1\/oauth2\/token: .* \(1 try\)$/);
    expect((error as RemoteError).hint).toBe('check auth.tokenUrl of profile "prop"');
  });
});
