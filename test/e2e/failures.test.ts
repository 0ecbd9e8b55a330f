import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Customer } from '../../src/core/customer.js';
import { apiKeyHeader, sandboxApiKey } from '../../src/dialects/cabinetry/emulator.js';
import { startSpiffyEmulator } from '../../src/dialects/spiffy/emulator.js';
import { generateCustomers } from '../../src/emulator/generator.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';

/**
 * What a user sees when the other side misbehaves: lost answers are `failed`
 * (not `rejected`), secrets a target repeats never reach files, and every
 * request obeys the profile's timeoutMs and retries.
 */
const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

const writeJsonl = (path: string, records: Customer[]) => writeFileSync(path, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);

function fresh(n: number, prefix: string): Customer[] {
  return [...generateCustomers(n, 17)].map((c, i) => ({ ...c, key: `${prefix}${i + 1}`, email: `${prefix.toLowerCase()}${i + 1}@example.com`, source: undefined }));
}

describe('rejected vs failed (SPEC section 6)', () => {
  it('a create whose answer was lost is failed when it cannot be checked, created when it can', async () => {
    // Every create is carried out and then answered 503, as when the connection dies after the write.
    const handle = await startSpiffyEmulator({ customers: 0, seed: 2, lostReplyRate: 1, rateLimit: { limit: 1_000_000 } });
    running.push(handle);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { shop: { ...handle.profile, retries: 2 } });
    const [withEmail, withoutEmail] = fresh(2, 'L');
    writeJsonl(join(dir, 'in.jsonl'), [withEmail, { ...withoutEmail, email: undefined }]);
    const result = await runCli(['push', '--to', 'shop', '--profiles', profiles, '--input', 'in.jsonl', '--rejects', 'rejects.jsonl'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('read 2 · created 1 · updated 0 · unchanged 0 · rejected 0 · failed 1');
    const [problem] = readFileSync(join(dir, 'rejects.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Customer & { reason: string });
    expect(problem.key).toBe('L2');
    expect(problem.reason).toContain('without an email custsync cannot check whether it was created');
    // Both landed, each once: the one with an email was found instead of created again.
    expect(handle.customers()).toHaveLength(2);
  });
});

describe('secrets a target repeats in its per-record messages', () => {
  it('never reach the rejects file, the report, the state database or the output', async () => {
    const handle = await startEmulator('cabinetry', { customers: 0, seed: 2 });
    running.push(handle);
    // The target answers a create with a message that quotes the API key it was sent.
    const proxy = await startFaultProxy(handle.url, (req) =>
      req.method === 'POST'
        ? { kind: 'answer', status: 422, body: JSON.stringify({ success: 0, error: { messages: [`key ${String(req.headers[apiKeyHeader.toLowerCase()])} may not create customers`] } }) }
        : { kind: 'pass' },
    );
    running.push(proxy);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { cab: { ...handle.profile, baseUrl: proxy.url } });
    writeJsonl(join(dir, 'in.jsonl'), fresh(3, 'S').map((c) => ({ ...c, phone: c.phone ?? '555 0100' })));
    const result = await runCli(
      ['migrate', '--from', 'jsonl:in.jsonl', '--to', 'cab', '--profiles', profiles, '--state', 'state', '--rejects', 'rejects.csv', '--report', 'report.json', '--verbose'],
      { cwd: dir },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/rejected [1-9]/);
    const rejects = readFileSync(join(dir, 'rejects.csv'), 'utf8');
    const report = readFileSync(join(dir, 'report.json'), 'utf8');
    expect(rejects).toContain('key *** may not create customers');
    expect(report).toContain('key *** may not create customers');
    for (const text of [rejects, report, result.stderr, result.stdout]) expect(text).not.toContain(sandboxApiKey);
    for (const name of readdirSync(join(dir, 'state'))) expect(readFileSync(join(dir, 'state', name)).includes(sandboxApiKey)).toBe(false);
    // Without --rejects the reasons go to stderr, redacted the same way.
    const again = await runCli(['push', '--to', 'cab', '--profiles', profiles, '--input', 'in.jsonl'], { cwd: dir });
    expect(again.stderr).toContain('key *** may not create customers');
    expect(again.stderr).not.toContain(sandboxApiKey);
  });
});

describe('timeoutMs and retries of the profile', () => {
  it('a target that never answers: exit 3 after 1 + retries tries, naming timeoutMs', async () => {
    const handle = await startEmulator('cabinetry', { customers: 0, seed: 2 });
    running.push(handle);
    const proxy = await startFaultProxy(handle.url, () => ({ kind: 'hang' }));
    running.push(proxy);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { cab: { ...handle.profile, baseUrl: proxy.url, timeoutMs: 300, retries: 2 } });
    writeJsonl(join(dir, 'in.jsonl'), fresh(1, 'T'));
    const result = await runCli(['push', '--to', 'cab', '--profiles', profiles, '--input', 'in.jsonl'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no complete answer within 300 ms (timeoutMs of profile "cab") (3 tries)');
    expect(result.stderr).toContain('hint: the service answered too slowly: raise timeoutMs of profile "cab"');
    expect(result.stderr).toContain('read 1 · created 0 · updated 0 · unchanged 0 · rejected 0 · failed 1');
    // The record's first request (a lookup by email), tried 1 + 2 times.
    expect(proxy.seen).toHaveLength(3);
  });

  it('a source that stalls in the middle of a pull: exit 3, no output file', async () => {
    const handle = await startSpiffyEmulator({ customers: 20, seed: 2, rateLimit: { limit: 1_000_000 } });
    running.push(handle);
    // The page after the first (since_id past it) never answers.
    const later = /customers\.json\?.*since_id=[1-9]/;
    const proxy = await startFaultProxy(handle.url, (req) => (later.test(req.url) ? { kind: 'hang' } : { kind: 'pass' }));
    running.push(proxy);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { shop: { ...handle.profile, baseUrl: proxy.url, pageSize: 10, timeoutMs: 300, retries: 1 } });
    const result = await runCli(['pull', '--from', 'shop', '--profiles', profiles, '-o', 'out.jsonl'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no complete answer within 300 ms');
    expect(proxy.seen.filter((r) => later.test(r.url))).toHaveLength(2);
    expect(readdirSync(dir)).toEqual(['profiles.json']);
  });
});
