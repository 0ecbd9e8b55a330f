import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorOptions, EmulatorStats } from './types.js';
import { seededRandom } from './random.js';
import { emulatorClock } from './clock.js';

/**
 * The loopback HTTP server every dialect emulator builds on: routing with
 * `:params`, request logging, an auth check, injected latency and injected
 * `429`/`5xx`, and request statistics at `GET /__sandbox/stats` (no auth) so
 * that tests can count what a run sent.
 */
export interface EmulatorRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface EmulatorReply {
  status: number;
  /** An object is sent as JSON; a string as is (set contentType). */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export type RouteHandler = (req: EmulatorRequest) => EmulatorReply | Promise<EmulatorReply>;

export interface Route {
  method: string;
  /** e.g. `/api/customers/:id.json`; params match one path segment (URL-decoded). */
  path: string;
  handler: RouteHandler;
  /** Skip the auth check (token endpoints). Not counted as a write. */
  public?: boolean;
  /** A POST that changes nothing (a search): not counted as a write. */
  readOnly?: boolean;
}

export interface EmulatorServerOptions extends EmulatorOptions {
  name: string;
  routes: Route[];
  /** Returns undefined when the request may pass, else the reply to send (e.g. 401 in the dialect's error shape). */
  authorize?: (req: EmulatorRequest) => EmulatorReply | undefined;
  /** The dialect's body for an injected 503 and its error shape for 404s of unknown routes. */
  errorReply?: (status: number, message: string) => EmulatorReply;
  /** Largest request body accepted (default 20 MB). */
  maxRequestBytes?: number;
}

export interface EmulatorServer {
  url: string;
  stats(): EmulatorStats;
  close(): Promise<void>;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const pattern = route.path
    .split('/')
    .map((segment) =>
      segment.replace(/:([A-Za-z]+)|([^:]+)/g, (_, name: string | undefined, literal: string | undefined) => {
        if (name) {
          names.push(name);
          return '([^/]+?)';
        }
        return literal!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }),
    )
    .join('/');
  return { ...route, regex: new RegExp(`^${pattern}/?$`), names };
}

const jsonError = (status: number, message: string): EmulatorReply => ({ status, body: { error: message } });

export async function startEmulatorServer(options: EmulatorServerOptions): Promise<EmulatorServer> {
  const routes = options.routes.map(compile);
  const random = seededRandom((options.seed ?? 1) * 7919 + 17);
  const errorReply = options.errorReply ?? jsonError;
  const clock = emulatorClock(options);
  const maxRequestBytes = options.maxRequestBytes ?? 20 * 1024 * 1024;
  const stats: EmulatorStats = { requests: 0, writes: 0, byMethod: {}, injectedFailures: 0, unauthorized: 0, peakPerSecond: 0, firstAt: 0, lastAt: 0 };
  // Arrival times within the last second, for peakPerSecond. The window is 950 ms: calls sent within
  // one second can arrive closer together by the jitter of the network and the event loops (50 ms allowed).
  const lastSecond: number[] = [];
  const arrived = (at: number) => {
    lastSecond.push(at);
    while (lastSecond.length > 0 && lastSecond[0] <= at - 950) lastSecond.shift();
    stats.peakPerSecond = Math.max(stats.peakPerSecond, lastSecond.length);
    if (stats.firstAt === 0) stats.firstAt = at;
  };

  const handle = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    const started = performance.now();
    const url = new URL(incoming.url ?? '/', 'http://emulator');
    const method = incoming.method ?? 'GET';
    const send = (reply: EmulatorReply) => {
      const isText = typeof reply.body === 'string';
      const payload = reply.body === undefined ? '' : isText ? (reply.body as string) : JSON.stringify(reply.body);
      outgoing.writeHead(reply.status, {
        'content-type': reply.contentType ?? (isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8'),
        // The emulator's own clock, which a test may set off from this machine's (Node would send its own).
        date: new Date(clock()).toUTCString(),
        ...reply.headers,
      });
      outgoing.end(payload);
      if (url.pathname !== '/__sandbox/stats') stats.lastAt = Date.now();
      options.log?.(`${options.name} ${method} ${url.pathname}${url.search} ${reply.status} ${Math.round(performance.now() - started)}ms`);
    };

    if (url.pathname === '/__sandbox/stats') return send({ status: 200, body: stats });

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of incoming) {
      size += (chunk as Buffer).length;
      if (size > maxRequestBytes) return send(errorReply(413, 'request body too large'));
      chunks.push(chunk as Buffer);
    }
    stats.requests += 1;
    stats.byMethod[method] = (stats.byMethod[method] ?? 0) + 1;
    arrived(Date.now());
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));

    let matched: { route: CompiledRoute; params: Record<string, string> } | undefined;
    for (const route of routes) {
      if (route.method !== method) continue;
      const found = route.regex.exec(url.pathname);
      if (!found) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(found[i + 1]);
      });
      matched = { route, params };
      break;
    }
    const req: EmulatorRequest = {
      method,
      path: url.pathname,
      params: matched?.params ?? {},
      query: url.searchParams,
      headers: incoming.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    if (!matched) return send(errorReply(404, `no route for ${method} ${url.pathname}`));
    if (!matched.route.public && options.authorize) {
      const refusal = options.authorize(req);
      if (refusal) {
        stats.unauthorized += 1;
        return send(refusal);
      }
    }
    if (options.failRate && random() < options.failRate) {
      stats.injectedFailures += 1;
      if (random() < 0.5) {
        const reply = errorReply(429, 'rate limit exceeded (injected)');
        return send({ ...reply, headers: { ...reply.headers, 'retry-after': String(options.retryAfterSeconds ?? 1) } });
      }
      return send(errorReply(503, 'service unavailable (injected)'));
    }
    if (method !== 'GET' && method !== 'HEAD' && !matched.route.public && !matched.route.readOnly) stats.writes += 1;
    try {
      send(await matched.route.handler(req));
    } catch (error) {
      send(errorReply(500, `emulator error: ${(error as Error).message}`));
    }
  };

  const server = createServer((incoming, outgoing) => {
    handle(incoming, outgoing).catch((error: unknown) => {
      if (!outgoing.headersSent) outgoing.writeHead(500);
      outgoing.end(String(error));
    });
  });
  server.keepAliveTimeout = 15_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stats: () => structuredClone(stats),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Auth checks for the static auth kinds; returns true when the request carries the expected credentials. */
export function hasBearer(req: EmulatorRequest, token: string): boolean {
  return req.headers.authorization === `Bearer ${token}`;
}

export function hasBasic(req: EmulatorRequest, username: string, password: string): boolean {
  return req.headers.authorization === `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export function hasHeader(req: EmulatorRequest, name: string, value: string): boolean {
  return req.headers[name.toLowerCase()] === value;
}
