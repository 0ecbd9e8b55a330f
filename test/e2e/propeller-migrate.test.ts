import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startPropellerEmulator } from '../../src/dialects/propeller/emulator.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';

/**
 * `migrate` into Propeller end to end: a customer and its addresses in one
 * bulk item, 100 a call, exact re-runs and diffs; shared emails reported.
 */

interface Report {
  counts: Record<string, number>;
  records: Array<{ key: string; status: string; email?: string; reason?: string; targetId?: string }>;
}

describe('migrate resultset → propeller', () => {
  it('400 customers in 6 target requests; a re-run sends nothing and diff finds nothing', async () => {
    const source = await startEmulator('resultset', { customers: 400, seed: 5 });
    const target = await startPropellerEmulator({ customers: 0, seed: 5 });
    try {
      const dir = tempDir();
      const profiles = writeProfiles(dir, { src: source.profile, dst: target.profile });
      const args = ['migrate', '--from', 'src', '--to', 'dst', '--profiles', profiles, '--state', join(dir, 'state')];
      const first = await runCli([...args, '--report', join(dir, 'report.json')], { cwd: dir });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).toContain('read 400 · created 400 · updated 0 · unchanged 0 · rejected 0 · failed 0');
      // One token, one search (was the target empty?), four bulk calls with the addresses inline.
      expect(target.stats().requests).toBe(6);
      expect(target.stats().byMethod).toEqual({ POST: 6 });
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
      expect(report.records.filter((r) => r.reason !== undefined)).toEqual([]);

      const diff = await runCli(['diff', '--from', 'src', '--to', 'dst', '--profiles', profiles, '--exit-code'], { cwd: dir });
      expect(diff.code, diff.stdout.slice(0, 2000)).toBe(0);

      const writes = target.stats().writes;
      const again = await runCli(args, { cwd: dir });
      expect(again.stderr).toContain('read 400 · created 0 · updated 0 · unchanged 400 · rejected 0 · failed 0');
      expect(target.stats().writes).toBe(writes);
    } finally {
      await source.close();
      await target.close();
    }
  });

  it('writes a customer whose email a Propeller customer of another source has, and lists it in --report and the log', async () => {
    // The same generator seed on both sides: the target's three ERP customers have the emails of the first three source records.
    const source = await startEmulator('resultset', { customers: 5, seed: 1 });
    const target = await startPropellerEmulator({ customers: 3, seed: 1 });
    try {
      const dir = tempDir();
      const profiles = writeProfiles(dir, { src: source.profile, dst: target.profile });
      const report = join(dir, 'report.json');
      const result = await runCli(['migrate', '--from', 'src', '--to', 'dst', '--profiles', profiles, '--state', join(dir, 'state'), '--report', report], { cwd: dir });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('read 5 · created 5 · updated 0 · unchanged 0 · rejected 0 · failed 0');
      expect(result.stderr.match(/shared email/g)).toHaveLength(3);
      const records = (JSON.parse(readFileSync(report, 'utf8')) as Report).records;
      const shared = records.filter((r) => r.reason?.startsWith('shared email'));
      expect(shared.map((r) => [r.key, r.status])).toEqual([['C000001', 'created'], ['C000002', 'created'], ['C000003', 'created']]);
      expect(shared[0].reason).toBe(`shared email: ${shared[0].email} is also on Propeller customer id 1`);
      expect(records.find((r) => r.key === 'C000004')?.reason).toBeUndefined();
    } finally {
      await source.close();
      await target.close();
    }
  });
});
