import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emailKey } from '../../src/core/customer.js';
import { dialects } from '../../src/dialects/registry.js';
import { generateCustomers } from '../../src/emulator/generator.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { cliPath, runCli, summaryCounts, summaryLine as summary, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';

/**
 * `custsync migrate` between every ordered pair of registered remote
 * dialects, against their emulators on loopback. With fewer than two remote
 * dialects registered the pair tests are skipped; the kill test needs one.
 */
const remote = Object.values(dialects).filter((d) => d.emulator).map((d) => d.id);
const pairs = remote.flatMap((from) => remote.filter((to) => to !== from).map((to) => [from, to] as const));
const counts = summaryCounts;

async function withEmulators<T>(specs: Array<[string, number]>, use: (handles: EmulatorHandle[]) => Promise<T>): Promise<T> {
  const handles: EmulatorHandle[] = [];
  try {
    for (const [id, customers] of specs) handles.push(await startEmulator(id, { customers, seed: 4 }));
    return await use(handles);
  } finally {
    await Promise.all(handles.map((h) => h.close()));
  }
}

/** Every email on the target, read back with `pull`. */
async function emailsOn(profiles: string, name: string, cwd: string): Promise<string[]> {
  const pulled = await runCli(['pull', '--from', name, '--format', 'jsonl', '--profiles', profiles], { cwd });
  expect(pulled.code, pulled.stderr).toBe(0);
  return pulled.stdout.trim().split('\n').filter(Boolean).map((line) => emailKey((JSON.parse(line) as { email?: string }).email) ?? '');
}

describe.skipIf(pairs.length === 0)('migrate between remote dialects', () => {
  it.each(pairs.length > 0 ? pairs : [['none', 'none'] as const])('%s → %s: migrates, then a re-run sends nothing', async (from, to) => {
    await withEmulators([[from, 30], [to, 0]], async ([source, target]) => {
      const dir = tempDir();
      const profiles = writeProfiles(dir, { src: source.profile, dst: target.profile });
      const args = ['migrate', '--from', 'src', '--to', 'dst', '--profiles', profiles, '--state', join(dir, 'state')];
      const diff = ['diff', '--from', 'src', '--to', 'dst', '--profiles', profiles, '--exit-code'];
      const before = await runCli(diff, { cwd: dir });
      expect(before.code, before.stderr).toBe(1);
      expect(before.stderr).toContain('added 30 · removed 0 · changed 0 · unchanged 0');
      const first = await runCli([...args, '--report', join(dir, 'report.json')], { cwd: dir });
      expect([0, 1], first.stderr).toContain(first.code);
      const c = counts(first.stderr);
      expect(c.read).toBe(30);
      expect(c.created + c.updated).toBeGreaterThan(0);
      // What landed is everything the target can hold of the source: diff (which projects
      // each source record into the target dialect) finds nothing left to change.
      const after = await runCli(diff, { cwd: dir });
      expect(after.stdout, after.stderr).toBe('');
      expect(after.code).toBe(0);

      const writes = target.stats().writes;
      const again = await runCli(args, { cwd: dir });
      const c2 = counts(again.stderr);
      expect(c2.unchanged).toBe(c.created + c.updated + c.unchanged);
      expect(target.stats().writes).toBe(writes);

      const dry = await runCli([...args, '--dry-run'], { cwd: dir });
      expect(dry.code, dry.stderr).toBe(0);
      expect(target.stats().writes).toBe(writes);
    });
  });
});

describe.skipIf(remote.length === 0)('migrate survives SIGKILL', () => {
  it.each(remote.length > 0 ? remote : ['none'])('jsonl → %s: killed mid-run, --resume leaves every customer exactly once', async (to) => {
    const dir = tempDir();
    const input = join(dir, 'in.jsonl');
    // 120 records: enough to be killed mid-run, and within the Spiffy emulator's 500-calls-per-300-s window.
    const records = [...generateCustomers(120, 8)];
    writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    // Latency on the target, so that the kill lands while batches are in flight.
    const target = await startEmulator(to, { customers: 0, seed: 4, latencyMs: 15 });
    try {
      // Small batches, so that batched dialects have many writes in flight to be killed among.
      const profiles = writeProfiles(dir, { dst: { ...target.profile, batchSize: 10 } });
      const args = ['migrate', '--from', `jsonl:${input}`, '--to', 'dst', '--profiles', profiles, '--state', join(dir, 'state')];
      const child = spawn(process.execPath, [cliPath, ...args], { cwd: dir, env: { ...process.env, CI: 'true' }, stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      // Each dialect is killed at another point of its run: after 1, 3, 6, 9… confirmed writes.
      const killAfter = [1, 3, 6, 9][remote.indexOf(to) % 4];
      const deadline = Date.now() + 20_000;
      while (target.stats().writes < killAfter && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      child.kill('SIGKILL');
      await exited;

      const resumed = await runCli([...args, '--resume'], { cwd: dir });
      expect([0, 1], resumed.stderr).toContain(resumed.code);
      expect(resumed.stderr).toMatch(/resuming run #1/);
      const c = counts(resumed.stderr);
      expect(c.read).toBe(120);
      const emails = await emailsOn(profiles, 'dst', dir);
      expect(new Set(emails).size).toBe(emails.length);
      expect(emails.length).toBe(120 - c.rejected);
    } finally {
      await target.close();
    }
  });
});

describe.skipIf(remote.length === 0)('migrate when the target goes away', () => {
  it.each(remote.length > 0 ? remote : ['none'])('jsonl → %s: exit 3, summary first, run left unfinished', async (to) => {
    const dir = tempDir();
    const input = join(dir, 'in.jsonl');
    // Many batches, so the target is gone long before a batched dialect could finish.
    writeFileSync(input, [...generateCustomers(1000, 9)].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const target = await startEmulator(to, { customers: 0, seed: 4, latencyMs: 15 });
    let closed = false;
    try {
      const profiles = writeProfiles(dir, { dst: { ...target.profile, retries: 0 } });
      const args = ['migrate', '--from', `jsonl:${input}`, '--to', 'dst', '--profiles', profiles, '--state', join(dir, 'state')];
      const running = runCli(args, { cwd: dir });
      const deadline = Date.now() + 20_000;
      while (target.stats().writes < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      await target.close();
      closed = true;
      const result = await running;
      expect(result.code, result.stderr).toBe(3);
      const c = counts(result.stderr);
      expect(c.read).toBeGreaterThan(0);
      expect(result.stderr.search(summary)).toBeLessThan(result.stderr.indexOf('error:'));
      expect(result.stderr).toMatch(/--resume/);
    } finally {
      if (!closed) await target.close();
    }
  });
});

describe('the README main job', () => {
  it('migrate --from sandbox:resultset --to sandbox:propeller moves 50 customers', async () => {
    const dir = tempDir();
    const result = await runCli(['migrate', '--from', 'sandbox:resultset', '--to', 'sandbox:propeller'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('read 50 · created 50 · updated 0 · unchanged 0 · rejected 0 · failed 0');
  });
});
