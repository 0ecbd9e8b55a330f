import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { generateCustomers } from '../../src/emulator/generator.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';
import { startFaultProxy, type Fault } from '../helpers/fault-proxy.js';

/**
 * What Cabinetry.Online answers to a create, as `push` turns it into an
 * outcome: the envelope is parsed once, a success told from an error
 * envelope without the schema, and a 2xx that is not an envelope (or not
 * JSON) stops the run as a protocol error naming the request.
 */
const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function pushThrough(thirdCreate: Fault) {
  const target: EmulatorHandle = await startEmulator('cabinetry', { customers: 0, seed: 8 });
  running.push(target);
  let creates = 0;
  const proxy = await startFaultProxy(target.url, (req) => (req.method === 'POST' && ++creates === 3 ? thirdCreate : { kind: 'pass' }));
  running.push(proxy);
  const dir = tempDir();
  const profiles = writeProfiles(dir, { shop: { ...target.profile, baseUrl: proxy.url, retries: 0, concurrency: 1 } });
  const records = [...generateCustomers(5, 8)].map((c, i) => ({ ...c, key: `C${i + 1}`, email: `c${i + 1}@example.com`, source: undefined }));
  writeFileSync(join(dir, 'in.jsonl'), `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const result = await runCli(['push', '--to', 'shop', '--profiles', profiles, '--input', 'in.jsonl', '--rejects', 'rejects.jsonl'], { cwd: dir });
  const stored = (await runCli(['pull', '--from', 'shop', '--profiles', profiles, '--format', 'jsonl'], { cwd: dir })).stdout.split('\n').filter(Boolean).length;
  return { result, stored, rejects: () => readFileSync(join(dir, 'rejects.jsonl'), 'utf8') };
}

describe('cabinetry: the answer to a create', () => {
  it('an error envelope with a 200 rejects that record with its messages; the others are created', async () => {
    const { result, stored, rejects } = await pushThrough({ kind: 'answer', status: 200, body: '{"success":0,"error":{"messages":["A phone number must be specified"]}}' });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/created 4 · updated 0 · unchanged 0 · rejected 1/);
    expect(stored).toBe(4);
    const rejected = rejects().trim().split('\n').map((line) => JSON.parse(line) as { key: string; reason: string });
    expect(rejected).toEqual([expect.objectContaining({ key: 'C3', reason: 'A phone number must be specified' })]);
  });

  it('a 200 whose body is not JSON stops the run with exit 3, naming the request', async () => {
    const { result } = await pushThrough({ kind: 'answer', status: 200, body: '<html>maintenance</html>' });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/POST \S+api\/admin\/customers answered 200 with a body that is not JSON/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a 200 with JSON that is no customer envelope stops the run with exit 3, naming what is missing', async () => {
    const { result } = await pushThrough({ kind: 'answer', status: 200, body: '{"success":1}' });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/answered 200 with an unexpected body: customer/);
  });
});
