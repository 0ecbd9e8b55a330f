import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Customer } from '../../src/core/customer.js';
import { generateCustomers } from '../../src/emulator/generator.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';
import { startFaultProxy, type SeenRequest } from '../helpers/fault-proxy.js';

/**
 * Secrets a server repeats back. Each auth kind's secret is sent to an
 * emulator behind a proxy that echoes everything it was sent (the request's
 * headers, the Basic credentials decoded, the form body of a token request)
 * in a response header of every answer, and in the body and error message of
 * a failing one. The CLI must print the echo (so these tests fail when the
 * redaction is off: the `***` checks) but never the secret: not on stdout,
 * not on stderr with `--verbose`, not in the rejects file, the report or the
 * state database. The state database URL's password is covered by the
 * PostgreSQL tests.
 */
const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

interface Kind {
  auth: string;
  dialect: string;
  /** The secret as the profile holds it. */
  secret: (handle: EmulatorHandle) => string;
}

const kinds: Kind[] = [
  { auth: 'bearer token', dialect: 'spiffy', secret: (h) => (h.profile.auth as { token: string }).token },
  { auth: 'basic password', dialect: 'resultset', secret: (h) => (h.profile.auth as { password: string }).password },
  { auth: 'header value', dialect: 'cabinetry', secret: (h) => (h.profile.auth as { value: string }).value },
  { auth: 'OAuth2 client secret', dialect: 'propeller', secret: (h) => (h.profile.auth as { clientSecret: string }).clientSecret },
];

/** Everything the request carried that a careless server could repeat: header values, decoded Basic credentials, the body. */
function echoOf(req: SeenRequest): string {
  const values = Object.values(req.headers).flatMap((v) => (Array.isArray(v) ? v : v === undefined ? [] : [v]));
  const basic = values.map((v) => /^Basic (.+)$/.exec(v)?.[1]).filter((v): v is string => v !== undefined);
  const decoded = basic.map((b) => Buffer.from(b, 'base64').toString('utf8'));
  const form = req.body.startsWith('grant_type=') ? [...new URLSearchParams(req.body).values()] : [];
  return [...values, ...decoded, ...form].join(' | ');
}

const isToken = (req: SeenRequest) => req.url.includes('/oauth2/token');
const isWrite = (req: SeenRequest) => req.method !== 'GET' && !isToken(req);

/** A refusal that repeats everything the server was sent so far (a token request's client secret included), in a header, the body and its message. */
function failing(seen: SeenRequest[], status: number) {
  const echo = seen.map(echoOf).join(' | ');
  return {
    kind: 'answer' as const,
    status,
    headers: { 'x-echo': echo, 'content-type': 'application/json' },
    body: JSON.stringify({ error: `request refused, it was sent with ${echo}`, message: `you sent ${echo}`, errors: [{ message: `echo ${echo}` }] }),
  };
}

/** Every file under a directory, as bytes (the state database included). */
function filesUnder(dir: string): Array<{ name: string; bytes: Buffer }> {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => ({ name: join(e.parentPath, e.name), bytes: readFileSync(join(e.parentPath, e.name)) }));
}

function expectNowhere(secret: string, texts: Record<string, string>, dir: string): void {
  for (const [where, text] of Object.entries(texts)) expect(text.includes(secret), `${where} holds the secret`).toBe(false);
  for (const file of filesUnder(dir)) {
    if (file.name.endsWith('profiles.json') || file.name.endsWith('in.jsonl')) continue;
    expect(file.bytes.includes(secret), `${file.name} holds the secret`).toBe(false);
  }
}

/** The proxy's URL with the emulator's API path (Propeller's /v2). */
const behind = (proxyUrl: string, handle: EmulatorHandle) => `${proxyUrl}${new URL(handle.profile.baseUrl!).pathname.replace(/\/$/, '')}`;

const writeJsonl = (path: string, records: Customer[]) => writeFileSync(path, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);

function fresh(n: number): Customer[] {
  return [...generateCustomers(n, 23)].map((c, i) => ({ ...c, key: `E${i + 1}`, email: `echo${i + 1}@example.com`, phone: c.phone ?? '555 0100', source: undefined }));
}

describe.each(kinds)('a server that echoes the $auth ($dialect)', (kind) => {
  it('pull --verbose: the echo in every answer header and in a failing answer is printed redacted', async () => {
    const handle = await startEmulator(kind.dialect, { customers: 30, seed: 3 });
    running.push(handle);
    const secret = kind.secret(handle);
    let lists = 0;
    const seen: SeenRequest[] = [];
    const proxy = await startFaultProxy(handle.url, (req) => {
      seen.push(req);
      if (isToken(req)) return { kind: 'pass', headers: { 'x-echo': echoOf(req) } };
      lists += 1;
      // The second data request fails, quoting what the server was sent.
      return lists >= 2 ? failing(seen, 500) : { kind: 'pass', headers: { 'x-echo': echoOf(req) } };
    });
    running.push(proxy);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { shop: { ...handle.profile, baseUrl: behind(proxy.url, handle), pageSize: 10, retries: 0, concurrency: 1 } });
    const result = await runCli(['pull', '--from', 'shop', '--profiles', profiles, '--verbose'], { cwd: dir });
    expect(result.code).toBe(3);
    // The secret did travel (the proxy saw it) and the failing answer was shown.
    expect(proxy.seen.some((r) => echoOf(r).includes(secret))).toBe(true);
    expect(result.stderr).toContain('answer:');
    expect(result.stderr).toContain('***');
    expectNowhere(secret, { stdout: result.stdout, stderr: result.stderr }, dir);
  });

  it('migrate --verbose with rejects, report and state: per-record refusals that quote the secret are redacted everywhere', async () => {
    const handle = await startEmulator(kind.dialect, { customers: 0, seed: 3 });
    running.push(handle);
    const secret = kind.secret(handle);
    const seen: SeenRequest[] = [];
    const proxy = await startFaultProxy(handle.url, (req) => {
      seen.push(req);
      return isWrite(req) ? failing(seen, 422) : { kind: 'pass', headers: { 'x-echo': echoOf(req) } };
    });
    running.push(proxy);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { shop: { ...handle.profile, baseUrl: behind(proxy.url, handle), retries: 0 } });
    writeJsonl(join(dir, 'in.jsonl'), fresh(3));
    const result = await runCli(
      ['migrate', '--from', 'jsonl:in.jsonl', '--to', 'shop', '--profiles', profiles, '--state', 'state', '--rejects', 'rejects.csv', '--report', 'report.json', '--verbose'],
      { cwd: dir },
    );
    expect([1, 3]).toContain(result.code);
    expect(proxy.seen.some((r) => echoOf(r).includes(secret))).toBe(true);
    expect(proxy.seen.some(isWrite)).toBe(true);
    const outputs = [result.stderr, ...filesUnder(dir).filter((f) => /rejects|report/.test(f.name)).map((f) => f.bytes.toString('utf8'))].join('\n');
    expect(outputs).toContain('***');
    expectNowhere(secret, { stdout: result.stdout, stderr: result.stderr }, dir);
  });
});

describe('a token endpoint that refuses the client credentials and echoes the request', () => {
  it('pull --verbose prints the refusal and its answer without the client secret', async () => {
    const handle = await startEmulator('propeller', { customers: 3, seed: 3 });
    running.push(handle);
    const secret = kinds[3]!.secret(handle);
    const seen: SeenRequest[] = [];
    const proxy = await startFaultProxy(handle.url, (req) => {
      seen.push(req);
      return isToken(req) ? failing(seen, 401) : { kind: 'pass' };
    });
    running.push(proxy);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { shop: { ...handle.profile, baseUrl: behind(proxy.url, handle), retries: 0 } });
    const result = await runCli(['pull', '--from', 'shop', '--profiles', profiles, '--verbose'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('the token endpoint refused the client credentials (401)');
    expect(result.stderr).toMatch(/answer: .*client_credentials \| custsync-sandbox \| \*\*\*/);
    expectNowhere(secret, { stdout: result.stdout, stderr: result.stderr }, dir);
  });
});
