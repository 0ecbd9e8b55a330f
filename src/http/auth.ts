import { request, type Dispatcher } from './undici.js';
import { z } from 'zod';
import { ProtocolError, RemoteError, redactUrl, snippet } from '../core/errors.js';
import { registerSecret } from '../core/secrets.js';
import type { Auth } from '../profiles/schema.js';
import type { Logger } from '../ui/logger.js';
import { sleep } from './rate-limit.js';
import { backoffDelay, defaultRetryPolicy, isRetryableNetworkError, isRetryableStatus, retryAfterMs, type RetryPolicy } from './retry-policy.js';

/**
 * Turns a profile's `auth` into request headers. `oauth2` fetches a token with
 * the client-credentials grant, caches it until shortly before it expires and
 * fetches a new one when the API answers `401` ({@link AuthProvider.invalidate}).
 */
export interface AuthProvider {
  headers(): Promise<Record<string, string>>;
  /**
   * The API answered `401` to a request sent with `sent` (the headers that
   * {@link headers} gave it). Forget that token if it is still the cached one,
   * and say whether one more try is worth it: true for refreshable auth, also
   * when a concurrent request already replaced the token.
   */
  invalidate(sent?: Record<string, string>): boolean;
  /** What to tell the user when the API refuses the credentials. */
  readonly checkHint: string;
}

/**
 * A client-credentials token answer. Servers differ: `token_type` may be
 * `Bearer`, `BearerToken` or absent, `expires_in` a number or a string of
 * digits; other fields are ignored. The token is always sent as `Bearer`.
 */
const TokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().nullish(),
  expires_in: z.union([z.number().nonnegative(), z.string().regex(/^\s*\d+(\.\d+)?\s*$/)]).nullish(),
});

/** Seconds before expiry at which a cached token is treated as expired. */
const expirySlackSeconds = 30;

/** Where the token is fetched: an absolute tokenUrl as it is; a relative one against the host of baseUrl, not its path. */
export function tokenUrlOf(tokenUrl: string, baseUrl: string): string {
  return new URL(tokenUrl.trim(), new URL('/', baseUrl)).toString();
}

export function createAuth(
  auth: Auth | undefined,
  profileName: string,
  dispatcher: Dispatcher,
  baseUrl: string,
  log?: Logger,
  policy: RetryPolicy = defaultRetryPolicy,
  /** Headers and body timeout of the token request, the profile's `timeoutMs` like any other request. */
  timeoutMs = 30_000,
): AuthProvider {
  const where = `profile "${profileName}"`;
  switch (auth?.type) {
    case undefined:
    case 'none':
      return { headers: async () => ({}), invalidate: () => false, checkHint: `${where} has no auth: add one` };
    case 'bearer':
      return {
        headers: async () => ({ authorization: `Bearer ${auth.token}` }),
        invalidate: () => false,
        checkHint: `check the token in auth of ${where}`,
      };
    case 'basic': {
      const value = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
      registerSecret(value.slice(6));
      return { headers: async () => ({ authorization: value }), invalidate: () => false, checkHint: `check auth.username and auth.password of ${where}` };
    }
    case 'header':
      return {
        headers: async () => ({ [auth.name.toLowerCase()]: auth.value }),
        invalidate: () => false,
        checkHint: `check auth.value (sent as ${auth.name}) of ${where}`,
      };
    case 'oauth2':
      return new OAuth2ClientCredentials(auth, where, dispatcher, baseUrl, log, policy, timeoutMs);
  }
}

class OAuth2ClientCredentials implements AuthProvider {
  private token?: { value: string; expiresAt: number };
  private pending?: Promise<string>;
  readonly checkHint: string;

  constructor(
    private readonly auth: Extract<Auth, { type: 'oauth2' }>,
    private readonly where: string,
    private readonly dispatcher: Dispatcher,
    private readonly baseUrl: string,
    private readonly log: Logger | undefined,
    private readonly policy: RetryPolicy,
    private readonly timeoutMs: number,
  ) {
    this.checkHint = `check auth.clientId and auth.clientSecret of ${where}`;
  }

  async headers(): Promise<Record<string, string>> {
    if (!this.token || Date.now() >= this.token.expiresAt) {
      // One fetch shared by every concurrent request that finds the token missing.
      this.pending ??= this.fetchToken().finally(() => {
        this.pending = undefined;
      });
      await this.pending;
    }
    return { authorization: `Bearer ${this.token!.value}` };
  }

  invalidate(sent?: Record<string, string>): boolean {
    // Several requests in flight may meet the same expired token; only the
    // first forgets it, the others retry with whatever replaced it. Clearing
    // unconditionally would throw away a token fetched a moment ago, and
    // answering false when it is already gone would end the run on a 401.
    if (this.token && (sent === undefined || sent.authorization === `Bearer ${this.token.value}`)) this.token = undefined;
    return true;
  }

  private async fetchToken(): Promise<string> {
    const url = tokenUrlOf(this.auth.tokenUrl, this.baseUrl);
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.auth.clientId, client_secret: this.auth.clientSecret });
    if (this.auth.scope) form.set('scope', this.auth.scope);
    let status = 0;
    let text = '';
    // The token request is retried like any other: on 429 (after Retry-After), 5xx and broken connections.
    for (let attempt = 0; ; attempt += 1) {
      const started = performance.now();
      try {
        const response = await request(url, {
          method: 'POST',
          dispatcher: this.dispatcher,
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: form.toString(),
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
        });
        status = response.statusCode;
        text = await response.body.text();
        this.log?.verbose(`POST ${redactUrl(url)} ${status} ${Math.round(performance.now() - started)}ms (token)${attempt > 0 ? ` retry ${attempt}` : ''}`);
        if (isRetryableStatus(status) && attempt < this.policy.retries) {
          await sleep(status === 429 ? (retryAfterMs(response.headers['retry-after']) ?? backoffDelay(this.policy, attempt + 1)) : backoffDelay(this.policy, attempt + 1));
          continue;
        }
        break;
      } catch (error) {
        this.log?.verbose(`POST ${redactUrl(url)} ERR ${Math.round(performance.now() - started)}ms (token)${attempt > 0 ? ` retry ${attempt}` : ''}`);
        if (isRetryableNetworkError(error) && attempt < this.policy.retries) {
          await sleep(backoffDelay(this.policy, attempt + 1));
          continue;
        }
        const tries = attempt + 1 === 1 ? '1 try' : `${attempt + 1} tries`;
        const timedOut = /UND_ERR_(HEADERS|BODY)_TIMEOUT/.test((error as { code?: string }).code ?? '');
        throw new RemoteError(
          timedOut
            ? `the token endpoint ${redactUrl(url)} did not answer within ${this.timeoutMs} ms (${tries})`
            : `cannot reach the token endpoint ${redactUrl(url)}: ${(error as Error).message} (${tries})`,
          {
            method: 'POST',
            url: redactUrl(url),
            hint: `check auth.tokenUrl of ${this.where}${timedOut ? ', or raise its timeoutMs if the endpoint is slow' : ''}`,
          },
        );
      }
    }
    if (status === 400 || status === 401 || status === 403) {
      throw new RemoteError(`the token endpoint refused the client credentials (${status})`, {
        method: 'POST',
        url: redactUrl(url),
        status,
        bodySnippet: snippet(text),
        hint: this.checkHint,
      });
    }
    if (status < 200 || status >= 300) {
      throw new RemoteError(`the token endpoint answered ${status}`, { method: 'POST', url: redactUrl(url), status, bodySnippet: snippet(text) });
    }
    let parsed: z.infer<typeof TokenSchema>;
    try {
      parsed = TokenSchema.parse(JSON.parse(text));
    } catch {
      throw new ProtocolError(`the token endpoint's answer is not a client-credentials token`, { method: 'POST', url: redactUrl(url), status, bodySnippet: snippet(text) });
    }
    registerSecret(parsed.access_token);
    // `expires_in: null` says no more than an absent one: not "expired already".
    const lifetime = parsed.expires_in == null ? 3600 : Number(parsed.expires_in);
    this.token = { value: parsed.access_token, expiresAt: Date.now() + Math.max(0, lifetime - Math.min(expirySlackSeconds, lifetime / 10)) * 1000 };
    return parsed.access_token;
  }
}
