import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { DialectContext } from '../../../src/core/dialect.js';
import { ProtocolError } from '../../../src/core/errors.js';
import { sendBatch } from '../../../src/dialects/propeller/send.js';
import { HttpClient } from '../../../src/http/client.js';
import { silentLogger } from '../../../src/ui/logger.js';

/** The bulk call of the propeller writer against a scripted loopback server: what it does with each kind of answer. */

let server: Server | undefined;
const clients: HttpClient[] = [];
async function stop(): Promise<void> {
  for (const client of clients.splice(0)) await client.close();
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
}
afterEach(stop);

async function scripted(answers: Array<(sent: Array<{ sourceId: string }>) => [number, unknown]>): Promise<{ ctx: DialectContext; sent: string[][] }> {
  const sent: string[][] = [];
  server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const customers = (JSON.parse(body) as { customers: Array<{ sourceId: string }> }).customers;
    sent.push(customers.map((c) => c.sourceId));
    const [status, answer] = answers[sent.length - 1](customers);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server!.address() as AddressInfo).port}/v2`;
  const http = new HttpClient({ profileName: 'p', baseUrl, log: silentLogger, retries: 0 });
  clients.push(http);
  const ctx = { profileName: 'p', profile: { dialect: 'propeller', baseUrl, source: 'S' }, http, log: silentLogger, concurrency: 2, file: { rawCsv: false, ignoreUnknownColumns: false } } as DialectContext;
  return { ctx, sent };
}

const batch = ['A', 'B', 'C'].map((sourceId, index) => ({ index: index + 10, payload: { source: 'S', sourceId } }));
const ok = (customers: Array<{ sourceId: string }>): [number, unknown] => [
  200,
  { data: customers.map((c, i) => ({ action: i === 0 ? 'update' : 'create', id: 100 + i, key: c.sourceId, lookupKey: 'sourceId', success: true })), messages: ['Completed'], total: customers.length },
];

describe('propeller bulk send', () => {
  it('rejects the items a refused call names and sends the rest again', async () => {
    const { ctx, sent } = await scripted([
      () => [400, { error: { code: 10007, type: 'SchemaValidationException', messages: ['#/customers/1: extraneous key [company] is not permitted'] } }],
      ok,
    ]);
    const rejected: Array<[number, string]> = [];
    const landed = await sendBatch(ctx, batch, (index, reason) => rejected.push([index, reason]));
    expect(sent).toEqual([['A', 'B', 'C'], ['A', 'C']]);
    expect(rejected).toEqual([[11, '10007 SchemaValidationException: #/customers/1: extraneous key [company] is not permitted']]);
    expect(landed).toEqual([{ index: 10, id: '100', status: 'updated' }, { index: 12, id: '101', status: 'created' }]);
  });

  it('rejects the whole batch when a refusal names no item, and per item when an item fails', async () => {
    const whole = await scripted([() => [400, { error: { code: 10005, type: 'InvalidJSONPayload', messages: ['bad'] } }]]);
    const rejected: number[] = [];
    expect(await sendBatch(whole.ctx, batch, (index) => rejected.push(index))).toEqual([]);
    expect(rejected).toEqual([10, 11, 12]);
    await stop();

    const items = await scripted([
      (customers) => [200, { data: customers.map((c, i) => (i === 2 ? { success: false, key: 7, error: { code: 60008 } } : { action: 'create', id: String(i), key: c.sourceId, success: true })) }],
    ]);
    const reasons: string[] = [];
    const landed = await sendBatch(items.ctx, batch, (_index, reason) => reasons.push(reason));
    expect(landed.map((l) => l.index)).toEqual([10, 11]);
    expect(reasons).toEqual(['60008 CustomerNotAllowed: Customer is not allowed']);
  });

  it('an answer with fewer results than customers is a protocol error', async () => {
    const { ctx } = await scripted([() => [200, { data: [{ success: true, id: 1 }] }]]);
    await expect(sendBatch(ctx, batch, () => undefined)).rejects.toBeInstanceOf(ProtocolError);
  });
});
