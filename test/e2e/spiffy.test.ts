import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCustomer, type Customer } from '../../src/core/customer.js';
import { applyQuery, parseCondition, parseInstant } from '../../src/core/query.js';
import { generateCustomer } from '../../src/emulator/generator.js';
import { sandboxCredentials, startSpiffyEmulator, type SpiffyEmulatorHandle, type SpiffyEmulatorOptions } from '../../src/dialects/spiffy/emulator.js';
import { cliPath, runCli, tempDir, writeProfiles } from '../helpers/cli.js';
import { bilbo, bilboCanonical } from '../dialects/spiffy/fixtures.js';

/**
 * The spiffy dialect end to end: the built CLI as a process against the
 * Spiffy emulator over loopback.
 */
const running: SpiffyEmulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function emulator(options: SpiffyEmulatorOptions): Promise<SpiffyEmulatorHandle> {
  const handle = await startSpiffyEmulator({ seed: 1, rateLimit: { limit: 100_000 }, ...options });
  running.push(handle);
  return handle;
}

function profiles(dir: string, handle: SpiffyEmulatorHandle, extra: Record<string, unknown> = {}): string {
  return writeProfiles(dir, { spiffy: { ...handle.profile, ...extra } });
}

function jsonl(text: string): Customer[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Customer);
}

const gets = (handle: SpiffyEmulatorHandle) => handle.stats().byMethod.GET ?? 0;

describe('spiffy pull', () => {
  it('reads every customer across pages with odd totals, never more than 50 a page', async () => {
    const handle = await emulator({ customers: 123 });
    const ids = handle.customers().map((c) => String(c.id));
    // A full first page makes the read ask for the count (one request more); up to three pages are then read one after
    // another, more go out concurrently in id windows (a probe per window more).
    for (const [pageSize, requests] of [[50, 4], [undefined, 4], [41, 5], [7, 18 + 1 + 3 + 1], [80, 4]] as const) {
      const dir = tempDir();
      const file = profiles(dir, handle, { pageSize });
      const before = gets(handle);
      const result = await runCli(['pull', '--from', 'spiffy', '--profiles', file, '--format', 'jsonl', '--verbose']);
      expect(result.code, result.stderr).toBe(0);
      expect(jsonl(result.stdout).map((c) => c.key)).toEqual(ids);
      if (pageSize === 7) expect(gets(handle) - before).toBeLessThanOrEqual(requests);
      else expect(gets(handle) - before).toBe(requests);
      expect(result.stderr).toMatch(`since_id=0&limit=${Math.min(pageSize ?? 50, 50)} `);
      expect(result.stderr).not.toMatch(/limit=(5[1-9]|[6-9]\d)/);
      expect(result.stderr).toMatch(/read 123\n/);
    }
  });

  it('reads the document example (Bilbo) as served by the emulator', async () => {
    const handle = await emulator({ customers: 4, records: [bilbo] });
    const dir = tempDir();
    const result = await runCli(['pull', '--from', 'spiffy', '--profiles', profiles(dir, handle), '--format', 'jsonl', '--where', 'email = BILBO@lordoftherings.com']);
    expect(result.code, result.stderr).toBe(0);
    expect(jsonl(result.stdout)).toEqual([{ ...bilboCanonical, source: { ...bilboCanonical.source, profile: 'spiffy' } }]);
  });

  it('pushes filters down where the document allows and returns what client-side filtering returns', async () => {
    const handle = await emulator({ customers: 123 });
    const dir = tempDir();
    const file = profiles(dir, handle);
    const all = await runCli(['pull', '--from', 'spiffy', '--profiles', file, '--format', 'jsonl']);
    const records = jsonl(all.stdout).map((r) => parseCustomer(r));
    const updated = records.map((r) => r.updatedAt!).sort();
    const created = records.map((r) => r.createdAt!).sort();
    const cases: Array<{ args: string[]; sent?: RegExp }> = [
      { args: ['--since', updated[60]], sent: /updated_at_min=/ },
      { args: ['--where', `createdAt >= ${created[30]}`, '--where', `createdAt < ${created[90]}`], sent: /created_at_min=.*created_at_max=/ },
      { args: ['--where', `updatedAt <= ${updated[40]}`], sent: /updated_at_max=/ },
      { args: ['--where', `updatedAt = ${updated[17]}`], sent: /updated_at_min=.*updated_at_max=/ },
      { args: ['--where', 'id > 1099'], sent: /since_id=1099/ },
      { args: ['--where', 'id >= 1099'], sent: /since_id=1098/ },
      { args: ['--where', 'id = 1007'], sent: /ids=1007/ },
      { args: ['--where', 'wholesale = true'], sent: /wholesale_status=wholesale/ },
      { args: ['--where', 'wholesale = false', '--where', 'marketingOptIn = true'], sent: /wholesale_status=retail.*marketing_status=accepts_marketing|marketing_status=accepts_marketing.*wholesale_status=retail/ },
      { args: ['--where', 'marketingOptIn = false', '--limit', '7'], sent: /marketing_status=rejects_marketing/ },
      { args: ['--where', 'email ~ .DE'] },
      { args: ['--where', 'groups = vip', '--where', 'status != active'] },
      { args: ['--where', 'totalSpent > 500', '--where', 'id < 1050'] },
    ];
    for (const { args, sent } of cases) {
      const result = await runCli(['pull', '--from', 'spiffy', '--profiles', file, '--format', 'jsonl', '--verbose', ...args]);
      expect(result.code, result.stderr).toBe(0);
      const query = { where: [] as ReturnType<typeof parseCondition>[], since: undefined as Date | undefined, limit: undefined as number | undefined };
      for (let i = 0; i < args.length; i += 2) {
        if (args[i] === '--where') query.where.push(parseCondition(args[i + 1]));
        if (args[i] === '--since') query.since = parseInstant(args[i + 1]);
        if (args[i] === '--limit') query.limit = Number(args[i + 1]);
      }
      async function* source() {
        yield* records;
      }
      const expected: string[] = [];
      for await (const r of applyQuery(source(), query)) expected.push(r.key);
      const got = jsonl(result.stdout).map((r) => r.key);
      expect(got, args.join(' ')).toEqual(expected);
      expect(expected.length, args.join(' ')).toBeGreaterThan(0);
      expect(expected.length, args.join(' ')).toBeLessThan(123);
      const requests = result.stderr.split('\n').filter((l) => l.includes('GET ')).join('\n');
      if (sent) expect(requests, args.join(' ')).toMatch(sent);
      else {
        expect(requests).not.toMatch(/_min=|_max=|_status=|ids=/);
        expect(requests).toMatch(/since_id=0&/);
      }
    }
    // Fourteen pulls as processes: on a loaded 2-core machine they outlast the default 60 s (23 s when it is quiet).
  }, 180_000);

  it('slows down on X-Ratelimit before the window runs out, with and without a token bucket', async () => {
    const handle = await emulator({ customers: 600, rateLimit: { limit: 10, periodSeconds: 2 } });
    for (const rateLimit of [undefined, { perSecond: 100, burst: 100 }]) {
      const dir = tempDir();
      const result = await runCli(['pull', '--from', 'spiffy', '--profiles', profiles(dir, handle, { rateLimit }), '--format', 'jsonl']);
      expect(result.code, result.stderr).toBe(0);
      expect(jsonl(result.stdout)).toHaveLength(600);
    }
    expect(handle.rateLimited()).toBe(0);
  });

  it('stops with exit 3 on wrong credentials, says to check the profile auth and prints no secret', async () => {
    const handle = await emulator({ customers: 3 });
    const dir = tempDir();
    const wrongToken = 'wrong-token-Zq81xT';
    const bearer = await runCli(['pull', '--from', 'spiffy', '--profiles', profiles(dir, handle, { auth: { type: 'bearer', token: wrongToken } })]);
    expect(bearer.code).toBe(3);
    expect(bearer.stderr).toMatch(/401/);
    expect(bearer.stderr).toMatch(/check the token in auth of profile "spiffy"/);
    expect(bearer.stdout + bearer.stderr).not.toContain(wrongToken);

    const wrongPassword = 'wrong-password-Kd72pQ';
    const basicAuth = { type: 'basic', username: sandboxCredentials.username, password: wrongPassword };
    const basic = await runCli(['pull', '--from', 'spiffy', '--profiles', profiles(dir, handle, { auth: basicAuth }), '--verbose']);
    expect(basic.code).toBe(3);
    expect(basic.stderr).toMatch(/check auth.username and auth.password of profile "spiffy"/);
    expect(basic.stdout + basic.stderr).not.toContain(wrongPassword);
    expect(basic.stdout + basic.stderr).not.toContain(Buffer.from(`${sandboxCredentials.username}:${wrongPassword}`).toString('base64'));

    const good = await runCli(['profiles', 'test', 'spiffy', '--profiles', profiles(dir, handle, { auth: { ...basicAuth, password: sandboxCredentials.password } })]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/OK, 3 customers/);
  });
});

describe('spiffy push', () => {
  it('creates, updates, leaves unchanged and rejects (422) records; the run goes on and exits 1', async () => {
    const handle = await emulator({ customers: 20 });
    const dir = tempDir();
    const file = profiles(dir, handle);
    const pulled = jsonl((await runCli(['pull', '--from', 'spiffy', '--profiles', file, '--format', 'jsonl'])).stdout);
    const byId = (id: string) => pulled.find((c) => c.key === id)!;
    const fresh = (i: number): Customer => ({ ...generateCustomer(i, 42), key: `N${i}`, email: `new.${i}@frodo.example` });
    const input = [
      fresh(1),
      fresh(2),
      { ...byId('1003'), note: 'The ring has been found.', source: undefined },
      byId('1004'),
      { ...fresh(3), email: 'not-an-email' },
      { ...byId('1005'), email: byId('1006').email },
    ];
    writeFileSync(join(dir, 'in.jsonl'), input.map((r) => JSON.stringify(r)).join('\n'));
    const result = await runCli(['push', '--to', 'spiffy', '--profiles', file, '--input', join(dir, 'in.jsonl'), '--rejects', join(dir, 'rejects.jsonl')]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch('read 6 · created 2 · updated 1 · unchanged 1 · rejected 2 · failed 0');
    const rejects = jsonl(readFileSync(join(dir, 'rejects.jsonl'), 'utf8')) as Array<Customer & { reason: string }>;
    expect(rejects.map((r) => [r.key, r.reason]).sort()).toEqual([
      ['1005', '422: email has already been taken'],
      // A malformed email is refused by the input check, before any request.
      ['N3', `${join(dir, 'in.jsonl')}: line 5: field email: "not-an-email" is not an email address`],
    ]);
    const stored = handle.customers();
    expect(stored).toHaveLength(22);
    expect(stored.find((c) => c.id === 1003)!.note).toBe('The ring has been found.');
    const created = stored.find((c) => c.email === 'new.1@frodo.example')!;
    expect(created.state).toBe('disabled');
    expect(created.addresses!.filter((a) => a.default)).toHaveLength(1);
    expect(created.tags ?? '').toBe(fresh(1).groups.join(','));

    const modes = await runCli(['push', '--to', 'spiffy', '--profiles', file, '--input', join(dir, 'in.jsonl'), '--mode', 'create', '--rejects', join(dir, 'r2.jsonl')]);
    expect(modes.code).toBe(1);
    expect(modes.stderr).toMatch('created 0');
    expect(readFileSync(join(dir, 'r2.jsonl'), 'utf8')).toMatch(/exists on the target as customer 1003/);
    writeFileSync(join(dir, 'missing.jsonl'), JSON.stringify(fresh(9)));
    const update = await runCli(['push', '--to', 'spiffy', '--profiles', file, '--input', join(dir, 'missing.jsonl'), '--mode', 'update', '--rejects', join(dir, 'r3.jsonl')]);
    expect(update.stderr).toMatch('read 1 · created 0 · updated 0 · unchanged 0 · rejected 1');
    expect(readFileSync(join(dir, 'r3.jsonl'), 'utf8')).toMatch(/not found on the target/);
    expect(handle.customers()).toHaveLength(22);
  });

  it('loses and duplicates nothing through a storm of 429s, 503s and lost answers', async () => {
    const handle = await emulator({ customers: 10, failRate: 0.3, retryAfterSeconds: 0, lostReplyRate: 0.25 });
    const dir = tempDir();
    const file = profiles(dir, handle, { retries: 12 });
    const input = Array.from({ length: 60 }, (_, i) => ({ ...generateCustomer(i, 77), key: `S${i}`, email: `storm.${i}@example.org` }));
    writeFileSync(join(dir, 'in.jsonl'), input.map((r) => JSON.stringify(r)).join('\n'));
    const first = await runCli(['push', '--to', 'spiffy', '--profiles', file, '--input', join(dir, 'in.jsonl'), '--concurrency', '4'], { timeoutMs: 300_000 });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch('read 60 · created 60 · updated 0 · unchanged 0 · rejected 0 · failed 0');
    const stored = handle.customers();
    expect(stored).toHaveLength(70);
    expect(new Set(stored.map((c) => c.email!.toLowerCase())).size).toBe(70);
    expect(handle.stats().injectedFailures).toBeGreaterThan(10);

    const again = await runCli(['push', '--to', 'spiffy', '--profiles', file, '--input', join(dir, 'in.jsonl'), '--concurrency', '4'], { timeoutMs: 300_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch('read 60 · created 0 · updated 0 · unchanged 60');
    expect(handle.customers()).toHaveLength(70);
  }, 300_000);
});

describe('spiffy sandbox command', () => {
  it('serves the emulator with the asked number of customers and prints a profile for it', async () => {
    const child = spawn(process.execPath, [cliPath, 'sandbox', '--dialect', 'spiffy', '--customers', '500', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const [name, profile] = await new Promise<[string, { baseUrl: string; auth: { token: string } }]>((resolve, reject) => {
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          try {
            const { profiles } = JSON.parse(out) as { profiles: Record<string, { baseUrl: string; auth: { token: string } }> };
            const [first] = Object.keys(profiles);
            resolve([first, profiles[first]]);
          } catch {
            // not all of it yet
          }
        });
        child.on('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
      });
      // Named sandbox-<dialect>-<port>, so that two sandboxes' profiles can be merged.
      expect(name).toBe(`sandbox-spiffy-${new URL(profile.baseUrl).port}`);
      const headers = { authorization: `Bearer ${profile.auth.token}` };
      const count = (await (await fetch(`${profile.baseUrl}/api/customers/count.json`, { headers })).json()) as { count: number };
      expect(count.count).toBe(500);
      expect((await fetch(`${profile.baseUrl}/api/customers.json?limit=51`, { headers })).status).toBe(400);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
