import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/http/client.js';
import { describeHttpEvent, onHttpEvent, type HttpEvent } from '../../src/http/events.js';
import { createLogger } from '../../src/ui/logger.js';

/** The HTTP core says when it retries and when it waits, for the progress display and --verbose. */
const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function server(answer: (res: ServerResponse, n: number) => void): Promise<string> {
  let n = 0;
  const s = createServer((req, res) => {
    req.resume();
    n += 1;
    answer(res, n);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

function collect(): { events: HttpEvent[]; stop: () => void } {
  const events: HttpEvent[] = [];
  return { events, stop: onHttpEvent((event) => events.push(event)) };
}

describe('HTTP events', () => {
  it('a 503 retried: one retry event with the attempt, the cause and the wait', async () => {
    const url = await server((res, n) => {
      res.writeHead(n === 1 ? 503 : 200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    const { events, stop } = collect();
    const client = new HttpClient({ profileName: 'shop', baseUrl: url, log: createLogger({ stream: { write: () => true } as unknown as NodeJS.WritableStream }), retryPolicy: { baseDelayMs: 5, maxDelayMs: 10, retries: 3 } });
    await client.send({ method: 'GET', path: '/x' });
    stop();
    await client.close();
    expect(events).toEqual([{ kind: 'retry', profile: 'shop', label: `GET ${url}/x`, attempt: 1, retries: 3, cause: '503', waitMs: expect.any(Number) }]);
    expect(describeHttpEvent(events[0])).toMatch(/^retry 1\/3 of GET http:\/\/127\.0\.0\.1:\d+\/x in 0\.0 s after 503$/);
  });

  it("a 429 with Retry-After: a wait, shown as such and logged with --verbose; the rate limit's hold announced once", async () => {
    const url = await server((res, n) => {
      res.writeHead(n === 1 ? 429 : 200, n === 1 ? { 'retry-after': '1' } : {});
      res.end('{}');
    });
    const { events, stop } = collect();
    const logged: string[] = [];
    const log = createLogger({ verbose: true, stream: { write: (line: string) => logged.push(line) } as unknown as NodeJS.WritableStream });
    const client = new HttpClient({ profileName: 'spiffy', baseUrl: url, log, rateLimit: { perSecond: 100, burst: 10 } });
    // Two requests at once: the second is held by the same pause, which is announced once.
    await Promise.all([client.send({ method: 'GET', path: '/a' }), client.send({ method: 'GET', path: '/b' })]);
    stop();
    await client.close();
    const waits = events.filter((e) => e.kind === 'wait');
    expect(waits.map((e) => e.cause)).toEqual(['retry-after']);
    expect(describeHttpEvent(waits[0])).toBe('waiting 1.0 s: spiffy answered 429 (Retry-After)');
    expect(logged.join('')).toContain('waiting 1.0 s: spiffy answered 429 (Retry-After)');
    expect(describeHttpEvent({ kind: 'wait', profile: 'spiffy', cause: 'rate-window', waitMs: 42_000 })).toBe("waiting 42 s for spiffy's rate window");
  });

  it('announceWait: a dialect pacing itself by the server window is shown; overlapping announcements of one window count once', () => {
    const { events, stop } = collect();
    const client = new HttpClient({ profileName: 'spiffy', baseUrl: 'http://127.0.0.1:9', log: createLogger({ stream: { write: () => true } as unknown as NodeJS.WritableStream }) });
    client.announceWait(42_000, 'rate-window');
    client.announceWait(41_500, 'rate-window');
    stop();
    void client.close();
    expect(events).toEqual([{ kind: 'wait', profile: 'spiffy', cause: 'rate-window', waitMs: 42_000 }]);
  });
});
