import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Customer } from '../../src/core/customer.js';
import { generateCustomers } from '../../src/emulator/generator.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';

/**
 * A dry run predicts the real run (README: "exits as the real run would"):
 * every local check and every read-only check the target allows runs in the
 * dry run too. For each dialect, the same input is pushed with --dry-run and
 * then for real; the rejected records and the exit code must be the same.
 */
const running: EmulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

const writeJsonl = (path: string, records: Customer[]) => writeFileSync(path, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);

/** Keys a dry run says it would reject (one `would reject KEY: reason` line each). */
const wouldReject = (stderr: string) => [...stderr.matchAll(/would reject (\S+): /g)].map((m) => m[1]).sort();
const rejectedKeys = (path: string) =>
  readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as Customer).key).sort();
const summary = (stderr: string) => /read (\d+) · created (\d+) · updated (\d+) · unchanged (\d+) · rejected (\d+) · failed (\d+)/.exec(stderr)?.slice(1).map(Number);

async function predictThenPush(dialect: string, seeded: number, records: (existing: Customer[]) => Customer[]) {
  const handle = await startEmulator(dialect, { customers: seeded, seed: 12 });
  running.push(handle);
  const dir = tempDir();
  const profiles = writeProfiles(dir, { target: handle.profile });
  const cli = (...args: string[]) => runCli(['--profiles', profiles, ...args], { cwd: dir });
  const existing = seeded === 0 ? [] : (await cli('pull', '--from', 'target', '--format', 'jsonl')).stdout.trim().split('\n').map((l) => JSON.parse(l) as Customer);
  writeJsonl(join(dir, 'in.jsonl'), records(existing));
  const writesBefore = handle.stats().writes;
  const dry = await cli('push', '--to', 'target', '--input', 'in.jsonl', '--dry-run');
  expect(handle.stats().writes).toBe(writesBefore);
  const real = await cli('push', '--to', 'target', '--input', 'in.jsonl', '--rejects', 'rejects.jsonl');
  return { dry, real, rejected: rejectedKeys(join(dir, 'rejects.jsonl')) };
}

/** Customers every target takes, with fresh keys and emails. */
function fresh(n: number, prefix: string): Customer[] {
  return [...generateCustomers(n, 31)].map((c, i) => ({ ...c, key: `${prefix}${i + 1}`, email: `${prefix.toLowerCase()}${i + 1}@example.com`, source: undefined }));
}

describe('push --dry-run rejects what the real push rejects, and exits as it does', () => {
  it('cabinetry: a row without phone, one without an address, a malformed email', async () => {
    const { dry, real, rejected } = await predictThenPush('cabinetry', 0, () => {
      const [a, b, c, d, e] = fresh(5, 'CAB');
      return [a, { ...b, phone: undefined, mobile: undefined, addresses: b.addresses.map((x) => ({ ...x, phone: undefined })) }, { ...c, addresses: [] }, { ...d, email: 'd@@example' }, e];
    });
    expect(rejected).toEqual(expect.arrayContaining(['CAB2', 'CAB3', 'CAB4']));
    expect(wouldReject(dry.stderr)).toEqual(rejected);
    expect(summary(dry.stderr)![4]).toBe(summary(real.stderr)![4]);
    expect(dry.code).toBe(1);
    expect(real.code).toBe(1);
  });

  it('spiffy: a malformed email', async () => {
    const { dry, real, rejected } = await predictThenPush('spiffy', 0, () => {
      const [a, b, c] = fresh(3, 'SP');
      return [a, { ...b, email: 'bob at example.com' }, c];
    });
    expect(rejected).toEqual(['SP2']);
    expect(wouldReject(dry.stderr)).toEqual(rejected);
    expect(summary(dry.stderr)).toEqual(summary(real.stderr));
    expect([dry.code, real.code]).toEqual([1, 1]);
  });

  it('resultset: a discount the API cannot hold', async () => {
    const { dry, real, rejected } = await predictThenPush('resultset', 0, () => {
      const [a, b, c] = fresh(3, 'RS');
      return [a, { ...b, discountPercent: -15 }, c];
    });
    expect(rejected).toEqual(['RS2']);
    expect(wouldReject(dry.stderr)).toEqual(rejected);
    expect(summary(dry.stderr)).toEqual(summary(real.stderr));
    expect([dry.code, real.code]).toEqual([1, 1]);
  });

  it('propeller: a personal number that is not a number; an email another customer has is written (Propeller allows it)', async () => {
    const { dry, real, rejected } = await predictThenPush('propeller', 3, (existing) => {
      const [a, b, c, d] = fresh(4, 'PR');
      return [a, { ...b, email: existing[0].email }, { ...c, custom: { ...c.custom, ssn: '12-34' } }, d];
    });
    expect(rejected).toEqual(['PR3']);
    expect(wouldReject(dry.stderr)).toEqual(rejected);
    expect(summary(dry.stderr)).toEqual(summary(real.stderr));
    expect([dry.code, real.code]).toEqual([1, 1]);
  });

  it('a clean input: both exit 0', async () => {
    const { dry, real, rejected } = await predictThenPush('spiffy', 0, () => fresh(3, 'OK'));
    expect(rejected).toEqual([]);
    expect(summary(dry.stderr)).toEqual(summary(real.stderr));
    expect([dry.code, real.code]).toEqual([0, 0]);
  });
});

describe('migrate --dry-run predicts the real migration', () => {
  it('rejects the records the real run rejects (target checks, repeated emails) and exits as it does', async () => {
    const handle = await startEmulator('cabinetry', { customers: 0, seed: 3 });
    running.push(handle);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { cab: handle.profile });
    const [a, b, c, d] = fresh(4, 'M');
    writeJsonl(join(dir, 'in.jsonl'), [a, { ...b, phone: undefined, mobile: undefined, addresses: b.addresses.map((x) => ({ ...x, phone: undefined })) }, { ...c, email: a.email }, d]);
    const args = ['migrate', '--from', 'jsonl:in.jsonl', '--to', 'cab', '--profiles', profiles, '--state', 'state'];
    const dry = await runCli([...args, '--dry-run'], { cwd: dir });
    expect(handle.stats().writes).toBe(0);
    const real = await runCli([...args, '--rejects', 'rejects.jsonl'], { cwd: dir });
    const rejected = rejectedKeys(join(dir, 'rejects.jsonl'));
    expect(rejected).toEqual(expect.arrayContaining(['M2', 'M3']));
    expect(wouldReject(dry.stderr)).toEqual(rejected);
    expect(summary(dry.stderr)![4]).toBe(summary(real.stderr)![4]);
    expect([dry.code, real.code]).toEqual([1, 1]);
  });
});
