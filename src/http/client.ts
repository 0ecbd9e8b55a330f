import { Agent, request } from './undici.js';
import type { z } from 'zod';
import { ProtocolError, RemoteError, redactUrl, snippet } from '../core/errors.js';
import type { Logger } from '../ui/logger.js';
import type { Profile } from '../profiles/schema.js';
import { createAuth, type AuthProvider } from './auth.js';
import { emitHttpEvent, describeHttpEvent, type HttpEvent } from './events.js';
import { TokenBucket, sleep } from './rate-limit.js';
import { backoffDelay, defaultRetryPolicy, isRetryableNetworkError, isRetryableStatus, retryAfterMs, type RetryPolicy } from './retry-policy.js';
import { vouch } from './vouch.js';

/**
 * The one HTTP core every dialect uses: keep-alive pool, token-bucket rate
 * limit, timeouts, retries with backoff and jitter, `Retry-After`, auth, and
 * one line per exchange in `--verbose` logs (SPEC section 6).
 *
 * It throws {@link RemoteError} for what stops a run (auth refused, retries
 * exhausted, unreachable) and hands every other answer back, so that a dialect
 * can turn a `404` or `422` into a per-record outcome.
 */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to the profile's baseUrl, or absolute. */
  path: string;
  query?: Record<string, string | number | boolean | undefined | Array<string | number>>;
  headers?: Record<string, string>;
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Sent as is; set `content-type` in headers. */
  body?: string;
  /**
   * May a 5xx or a broken connection be retried? Defaults to true for GET,
   * PUT, PATCH and DELETE; a create (POST) is retried only when the caller
   * says it is safe (an upsert, or a search).
   */
  idempotent?: boolean;
  /**
   * For a non-idempotent request (a create): called before it is tried again
   * after a 5xx or a broken connection, to check the target for what the
   * failed attempt may have done. Return a response to use as the answer (the
   * record is there), or undefined to send the request again. Without it such
   * a request is not retried (SPEC section 6).
   */
  recover?: () => Promise<HttpResponse | undefined>;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** `METHOD URL` with no credentials, for messages. */
  label: string;
}

export interface HttpClientOptions {
  profileName: string;
  baseUrl: string;
  auth?: Profile['auth'];
  rateLimit?: Profile['rateLimit'];
  timeoutMs?: number;
  retries?: number;
  /** Connections kept open to the host. */
  connections?: number;
  /** Bodies larger than this end the run (a protocol error), so a hostile answer cannot eat memory. */
  maxBodyBytes?: number;
  retryPolicy?: Partial<RetryPolicy>;
  log: Logger;
  /** Called with every answer, e.g. to read a server's own rate-limit header. */
  onResponse?: (response: HttpResponse, client: HttpClient) => void;
}

export class HttpClient {
  readonly bucket?: TokenBucket;
  private readonly agent: Agent;
  private readonly auth: AuthProvider;
  private readonly policy: RetryPolicy;
  private readonly baseUrl: string;
  /** Exchanges made, for benchmarks and summaries. */
  requestCount = 0;
  /**
   * The least (server `Date` header − local time the answer's headers
   * arrived) over the answers so far, in ms; undefined until an answer
   * carried a `Date`. The header is cut to the second and was written before
   * the answer arrived, so each sample is at most the true offset: adding it
   * to a local instant gives an instant no later on the server's clock
   * (`migrate --incremental` takes its bookmark so). The least sample stays
   * safe when the local clock is stepped during a run.
   */
  serverClockOffsetMs?: number;
  /** The end of the last wait announced, so that concurrent requests held by one window announce it once. */
  private announcedUntil = 0;
  /**
   * Wall-clock ms until which no request of this profile leaves: set by a
   * `429` (its `Retry-After`), so that every request waits, not only the
   * refused one, whether or not the profile sets a `rateLimit`.
   */
  private pausedUntil = 0;

  constructor(private readonly options: HttpClientOptions) {
    this.baseUrl = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
    // Connecting counts against timeoutMs too (undici's own default is 10 s, whatever the profile says).
    this.agent = new Agent({ connections: options.connections ?? 8, keepAliveTimeout: 10_000, pipelining: 1, connect: { timeout: this.timeoutMs } });
    this.policy = { ...defaultRetryPolicy, ...options.retryPolicy, retries: options.retries ?? options.retryPolicy?.retries ?? defaultRetryPolicy.retries };
    this.auth = createAuth(options.auth, options.profileName, this.agent, this.baseUrl, options.log, this.policy, options.timeoutMs);
    if (options.rateLimit) this.bucket = new TokenBucket(options.rateLimit.perSecond, options.rateLimit.burst);
  }

  /** Longest an exchange may take, connect to last byte (`timeoutMs` of the profile). */
  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 30_000;
  }

  url(path: string, query?: HttpRequest['query']): string {
    const url = new URL(path.replace(/^\//, ''), this.baseUrl);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(name, String(item));
      else url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const url = this.url(req.path, req.query);
    const label = `${req.method} ${redactUrl(url)}`;
    const idempotent = req.idempotent ?? req.method !== 'POST';
    const retriable = idempotent || req.recover !== undefined;
    let body = req.body;
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json; charset=utf-8';
    }
    let authRefreshed = false;
    let authHeaders: Record<string, string> = {};
    for (let attempt = 0; ; attempt += 1) {
      for (let held = this.pausedUntil - Date.now(); held > 0; held = this.pausedUntil - Date.now()) {
        if (held >= 1000) this.announceWait(held, 'retry-after');
        await sleep(held);
      }
      if (this.bucket) {
        const held = this.bucket.pauseLeft();
        if (held >= 1000) this.announceWait(held, 'rate-window');
        await this.bucket.take();
      }
      let response: HttpResponse;
      let started = performance.now();
      // One deadline for the whole exchange, connect to last byte: undici's own timeouts reset with
      // every chunk, so an answer that trickles in would otherwise never time out.
      const deadline = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      try {
        authHeaders = await this.auth.headers();
        started = performance.now();
        timer = setTimeout(() => deadline.abort(), this.timeoutMs);
        const answer = await request(url, {
          method: req.method,
          dispatcher: this.agent,
          headers: { ...headers, ...authHeaders },
          body,
          signal: deadline.signal,
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
        });
        this.requestCount += 1;
        this.sampleServerClock(answer.headers.date, Date.now());
        const text = await this.readBody(answer.body, label);
        response = { status: answer.statusCode, headers: answer.headers, text, label };
      } catch (caught) {
        clearTimeout(timer);
        if (caught instanceof RemoteError) throw caught;
        const late = deadline.signal.aborted;
        const error = late ? timedOut(this.timeoutMs, this.options.profileName) : caught;
        this.log(label, late ? 'TIMEOUT' : 'ERR', started, attempt);
        if (retriable && isRetryableNetworkError(error) && attempt < this.policy.retries) {
          const wait = backoffDelay(this.policy, attempt + 1);
          this.announce({ kind: 'retry', profile: this.options.profileName, label, attempt: attempt + 1, retries: this.policy.retries, cause: String((error as NodeJS.ErrnoException).code ?? 'a broken connection'), waitMs: wait });
          await sleep(wait);
          if (!idempotent) {
            const recovered = await req.recover!();
            if (recovered) return recovered;
          }
          continue;
        }
        const tries = attempt + 1;
        throw new RemoteError(`${label} failed: ${(error as Error).message}${tries > 1 ? ` (${tries} tries)` : ''}`, {
          method: req.method,
          url: redactUrl(url),
          hint: late
            ? `the service answered too slowly: raise timeoutMs of profile "${this.options.profileName}", or try again later`
            : `check that ${redactUrl(this.options.baseUrl)} (baseUrl of profile "${this.options.profileName}") is reachable`,
        });
      } finally {
        clearTimeout(timer);
      }
      this.log(label, String(response.status), started, attempt);
      this.options.onResponse?.(response, this);

      if (response.status === 401 && !authRefreshed && this.auth.invalidate(authHeaders)) {
        authRefreshed = true;
        attempt -= 1;
        continue;
      }
      if (response.status === 401 || response.status === 403) {
        throw new RemoteError(`${label} was refused: ${response.status} ${response.status === 401 ? 'unauthorized' : 'forbidden'}`, {
          method: req.method,
          url: redactUrl(url),
          status: response.status,
          bodySnippet: snippet(response.text),
          hint: this.auth.checkHint,
        });
      }
      if (isRetryableStatus(response.status)) {
        // A 429 was refused before any work was done, so even a create may be sent again.
        const retryable = response.status === 429 || retriable;
        if (retryable && attempt < this.policy.retries) {
          const wait = response.status === 429
            ? retryAfterMs(response.headers['retry-after']) ?? backoffDelay(this.policy, attempt + 1)
            : backoffDelay(this.policy, attempt + 1);
          if (response.status === 429) {
            this.pausedUntil = Math.max(this.pausedUntil, Date.now() + wait);
            this.bucket?.pauseUntil(Date.now() + wait);
          }
          this.announce({ kind: 'retry', profile: this.options.profileName, label, attempt: attempt + 1, retries: this.policy.retries, cause: String(response.status), waitMs: wait });
          if (response.status === 429 && wait >= 1000) this.announceWait(wait, 'retry-after');
          await sleep(wait);
          if (response.status !== 429 && !idempotent) {
            const recovered = await req.recover!();
            if (recovered) return recovered;
          }
          continue;
        }
        throw new RemoteError(`${label} answered ${response.status}${retryable ? ` after ${attempt + 1} tries` : ''}`, {
          method: req.method,
          url: redactUrl(url),
          status: response.status,
          bodySnippet: snippet(response.text),
          hint: response.status === 429 ? `lower rateLimit.perSecond of profile "${this.options.profileName}"` : 'the service may be down: try again later',
        });
      }
      return response;
    }
  }

  /** Sends and reads a JSON answer validated by a zod schema; anything else from a 2xx is a protocol error. */
  async json<S extends z.ZodType>(req: HttpRequest, schema: S): Promise<{ status: number; data: z.infer<S>; response: HttpResponse }> {
    const response = await this.send(req);
    return { status: response.status, data: parseJsonBody(response, schema), response };
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  /**
   * Says that requests of this profile are held back for `ms` (shown by the
   * progress display, logged with --verbose). For waits outside the token
   * bucket too, e.g. a dialect pacing itself by the server's own window.
   */
  announceWait(ms: number, cause: 'rate-window' | 'retry-after'): void {
    const until = Date.now() + ms;
    if (until <= this.announcedUntil + 1000) return;
    this.announcedUntil = until;
    this.announce({ kind: 'wait', profile: this.options.profileName, cause, waitMs: ms });
  }

  private announce(event: HttpEvent): void {
    if (event.kind === 'wait') this.options.log.verbose(describeHttpEvent(event));
    emitHttpEvent(event);
  }

  private async readBody(body: AsyncIterable<Buffer> & { destroy(): unknown }, label: string): Promise<string> {
    const max = this.options.maxBodyBytes ?? 64 * 1024 * 1024;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > max) {
        body.destroy();
        throw new ProtocolError(`${label}: the answer is larger than ${Math.round(max / 1024 / 1024)} MB; stopped reading it`, {
          url: label,
          hint: 'the server sent an unexpectedly large answer: check the baseUrl, or lower pageSize',
        });
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private sampleServerClock(header: string | string[] | undefined, arrived: number): void {
    const server = Date.parse(Array.isArray(header) ? header[0] : (header ?? ''));
    if (Number.isNaN(server)) return;
    const offset = server - arrived;
    if (this.serverClockOffsetMs === undefined || offset < this.serverClockOffsetMs) this.serverClockOffsetMs = offset;
  }

  private log(label: string, status: string, started: number, attempt: number): void {
    const ms = Math.round(performance.now() - started);
    this.options.log.verbose(`${label} ${status} ${ms}ms${attempt > 0 ? ` retry ${attempt}` : ''}`);
  }
}

/** JSON.parse + zod for a 2xx answer, raising a protocol error that names the request and the first problem. */
export function parseJsonBody<S extends z.ZodType>(response: HttpResponse, schema: S): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(response.text);
  } catch (error) {
    throw new ProtocolError(`${response.label} answered ${response.status} with a body that is not JSON: ${(error as Error).message}`, {
      status: response.status,
      bodySnippet: snippet(response.text),
    });
  }
  return checkBody(response, json, schema, 'body');
}

/** Validates an answer already parsed (JSON, XML) against its wire schema; a mismatch is a protocol error naming the request. */
export function checkBody<S extends z.ZodType>(response: HttpResponse, value: unknown, schema: S, what: string): z.infer<S> {
  // The common answer is checked by hand (every customer of a read passes here); anything else goes to zod.
  if (vouch(schema, value)) return value as z.infer<S>;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProtocolError(
      `${response.label} answered ${response.status} with an unexpected ${what}: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      { status: response.status, bodySnippet: snippet(response.text) },
    );
  }
  return parsed.data;
}

/** The error of an exchange that ran out of time: retried like a broken connection (`ETIMEDOUT`). */
function timedOut(ms: number, profileName: string): Error {
  return Object.assign(new Error(`no complete answer within ${ms} ms (timeoutMs of profile "${profileName}")`), { code: 'ETIMEDOUT' });
}
