import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP proxy in front of an emulator that injects the faults a
 * test scripts: refuse a request before it reaches the emulator, pass it on
 * and lose the answer (the write landed, the client sees a 503), or never
 * answer at all. Everything else is passed through unchanged, so the CLI
 * under test talks real HTTP to a real emulator with a fault in between.
 */
export type Fault =
  /** Pass the request on; `headers` are added to the emulator's answer. */
  | { kind: 'pass'; headers?: Record<string, string> }
  /** Answer this instead of passing the request on. */
  | { kind: 'answer'; status: number; body?: string; headers?: Record<string, string> }
  /** Pass the request on, then answer this status instead of the emulator's answer. */
  | { kind: 'lose'; status: number }
  /** Accept the request and never answer. */
  | { kind: 'hang' };

export interface SeenRequest {
  method: string;
  url: string;
  body: string;
  headers: IncomingMessage['headers'];
}

export interface FaultProxy {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string, decide: (req: SeenRequest, n: number) => Fault): Promise<FaultProxy> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer(async (incoming: IncomingMessage, outgoing: ServerResponse) => {
    let body = '';
    for await (const chunk of incoming) body += chunk;
    const req = { method: incoming.method ?? 'GET', url: incoming.url ?? '/', body, headers: incoming.headers };
    seen.push(req);
    const fault = decide(req, seen.length);
    if (fault.kind === 'hang') return;
    if (fault.kind === 'answer') {
      outgoing.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      outgoing.end(fault.body ?? '{}');
      return;
    }
    const headers = Object.fromEntries(Object.entries(incoming.headers).filter(([name]) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(name))) as Record<string, string>;
    const answer = await fetch(`${upstream}${req.url}`, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body });
    const text = await answer.text();
    if (fault.kind === 'lose') {
      outgoing.writeHead(fault.status, { 'content-type': 'application/json' });
      outgoing.end(JSON.stringify({ error: 'the answer was lost (injected)' }));
      return;
    }
    const passHeaders: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive'].includes(name)) passHeaders[name] = value;
    });
    outgoing.writeHead(answer.status, { ...passHeaders, ...(fault.kind === 'pass' ? fault.headers : {}) });
    outgoing.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
