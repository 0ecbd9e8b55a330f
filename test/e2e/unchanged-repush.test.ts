import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Customer } from '../../src/core/customer.js';
import { generateCustomers } from '../../src/emulator/generator.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { runCli, summaryCounts, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';
import { editResultset, resultsetColumn, resultsetUsernames } from '../helpers/source-edits.js';

/**
 * Issue 14: a re-push of identical records is `unchanged` on every target,
 * and sends nothing (a platform that re-dates every write would otherwise
 * show them all as changed the next night); `diff` leaves timestamps out
 * unless asked, and leaves out what `--ignore` names.
 */
const running: EmulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

describe('push the same records again', () => {
  for (const dialect of ['resultset', 'propeller', 'spiffy', 'cabinetry']) {
    it(`${dialect}: unchanged, nothing sent; one record changed is the one updated`, async () => {
      const target = await startEmulator(dialect, { customers: 0, seed: 9 });
      running.push(target);
      const dir = tempDir();
      const profiles = writeProfiles(dir, { dst: target.profile });
      const records: Customer[] = [...generateCustomers(6, 11)];
      const input = join(dir, 'in.jsonl');
      writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n'));
      const push = (...more: string[]) => runCli(['push', '--to', 'dst', '--profiles', profiles, '--input', input, ...more], { cwd: dir });

      const first = summaryCounts((await push()).stderr);
      expect(first.created).toBeGreaterThan(0);
      expect(first.failed).toBe(0);

      const writes = target.stats().writes;
      const again = await push();
      expect(again.stderr).toContain(`read 6 · created 0 · updated 0 · unchanged ${first.created} · rejected ${first.rejected} · failed 0`);
      expect(target.stats().writes).toBe(writes);
      if (dialect === 'resultset' || dialect === 'propeller') {
        // The dry run says what the push would: unchanged.
        expect((await push('--dry-run')).stderr).toContain(`dry run: read 6 · created 0 · updated 0 · unchanged ${first.created}`);
      }

      const landed = JSON.parse(
        (await runCli(['pull', '--from', 'dst', '--profiles', profiles, '--format', 'jsonl'], { cwd: dir })).stdout.trim().split('\n')[0],
      ) as Customer;
      const changed = records.map((r) => (r.email === landed.email ? { ...r, lastName: 'Pushedagain' } : r));
      writeFileSync(input, changed.map((r) => JSON.stringify(r)).join('\n'));
      const third = await push();
      expect(third.stderr).toContain(`read 6 · created 0 · updated 1 · unchanged ${first.created - 1} · rejected ${first.rejected}`);
    });
  }
});

describe('diff --since-last and timestamps', () => {
  it('a customer re-dated with nothing changed is not a change unless --include-timestamps; --ignore leaves fields out', async () => {
    const source = await startEmulator('resultset', { customers: 10, seed: 12 });
    running.push(source);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { src: source.profile });
    const diff = (...more: string[]) => runCli(['diff', '--from', 'src', '--since-last', '--profiles', profiles, '--state', join(dir, 'state'), ...more], { cwd: dir });
    expect((await diff()).stderr).toContain('added 10 · removed 0 · changed 0 · unchanged 0');

    const [username] = await resultsetUsernames(source);
    const redate = async () => editResultset(source, username, { b_lname: (await resultsetColumn(source, username, 'b_lname')) ?? 'Same' });
    await redate();
    const withDates = await diff('--include-timestamps', '--format', 'json');
    const doc = JSON.parse(withDates.stdout) as { changed: Array<{ key: string; changes: Array<{ field: string }> }> };
    expect(doc.changed).toEqual([{ key: username, email: expect.any(String), changes: [expect.objectContaining({ field: 'updatedAt' })] }]);

    await redate();
    const quiet = await diff('--exit-code');
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toContain('added 0 · removed 0 · changed 0 · unchanged 10');

    await editResultset(source, username, { custom_data1: 'ignored', b_city: 'Ignoredtown' });
    const ignoring = await diff('--ignore', 'custom', '--ignore', 'addresses[billing].city', '--exit-code');
    expect(ignoring.code).toBe(0);
    expect(ignoring.stderr).toContain('changed 0 · unchanged 10');

    await editResultset(source, username, { custom_data1: 'seen' });
    const seen = await diff('--ignore', 'note', '--ignore', 'updated_at');
    expect(seen.stdout).toContain('custom.custom_data1: "ignored" -> "seen"');

    const bad = await diff('--ignore', 'shoeSize');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--ignore names an unknown field "shoeSize"');
  });
});
