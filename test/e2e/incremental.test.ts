import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startSpiffyEmulator, type SpiffyEmulatorHandle } from '../../src/dialects/spiffy/emulator.js';
import type { EmulatorHandle, EmulatorOptions } from '../../src/emulator/types.js';
import { runCli, spawnCli, summaryCounts, tempDir, waitFor, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';
import { createSpiffy, editResultset, editSpiffy, resultsetColumn, resultsetUsernames, spiffyIds } from '../helpers/source-edits.js';

/**
 * Issue 14: `migrate --incremental` reads only what changed since the last
 * complete run, and never skips a change: one made in the same second as the
 * bookmark, one made while the read was under way, one left by a killed run,
 * one stamped by a server whose clock is an hour behind ours, and a source
 * with no change filter at all.
 */
const running: EmulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function spiffy(options: EmulatorOptions & { customers: number }): Promise<SpiffyEmulatorHandle> {
  // The platform's 500 calls per 300 s would make these tests a wait for the window.
  const handle = await startSpiffyEmulator({ seed: 3, rateLimit: { limit: 1_000_000 }, ...options });
  running.push(handle);
  return handle;
}

async function emulator(dialect: string, options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const handle = await startEmulator(dialect, options);
  running.push(handle);
  return handle;
}

/** A migration from `source` to `target` with its own profiles and state, run as a user runs it. */
function pair(source: EmulatorHandle, target: EmulatorHandle, sourceProfile: Record<string, unknown> = {}) {
  const dir = tempDir();
  const profiles = writeProfiles(dir, { src: { ...source.profile, ...sourceProfile }, dst: target.profile });
  const state = join(dir, 'state');
  const args = (...more: string[]) => ['migrate', '--from', 'src', '--to', 'dst', '--profiles', profiles, '--state', state, ...more];
  return { dir, profiles, state, args, migrate: (...more: string[]) => runCli(args(...more), { cwd: dir }) };
}

/** The bookmark as stored, straight from the state database. */
function storedBookmark(state: string): string | undefined {
  const db = new Database(join(state, 'state.db'), { readonly: true });
  try {
    return (db.prepare('SELECT read_started_at AS at FROM bookmarks').get() as { at: string } | undefined)?.at;
  } finally {
    db.close();
  }
}

const sinceOf = (stderr: string) => /incremental since (\S+) \(lookback/.exec(stderr)?.[1];
describe('migrate --incremental', () => {
  it('10 changed and 3 added of 300: reads one page (plus two requests), writes exactly 13, and a run straight after writes nothing', async () => {
    const source = await spiffy({ customers: 300 });
    const target = await emulator('resultset', { customers: 0 });
    const { migrate } = pair(source, target);

    const first = await migrate('--incremental');
    expect(first.stderr).toContain('no bookmark yet');
    expect(first.stderr).toContain('full (no bookmark yet) · read 300 · created 300 · updated 0 · unchanged 0 · rejected 0 · failed 0');
    expect(first.code).toBe(0);

    const ids = await spiffyIds(source);
    const changed = ids.filter((_, i) => i % 29 === 3).slice(0, 10);
    expect(changed).toHaveLength(10);
    for (const [i, id] of changed.entries()) await editSpiffy(source, id, `Changed${i}`);
    for (const name of ['Newone', 'Newtwo', 'Newthree']) await createSpiffy(source, name);

    const requestsBefore = source.stats().requests;
    const second = await migrate('--incremental');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/incremental since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(lookback 10m\) · read 13 · created 3 · updated 10 · unchanged 0 · rejected 0 · failed 0/);
    expect(second.stderr).toContain("through spiffy's updated_at_min");
    // The 13 fit one page of 50: that page, plus at most two requests.
    expect(source.stats().requests - requestsBefore).toBeLessThanOrEqual(3);
    for (const [i, id] of changed.entries()) expect(await resultsetColumn(target, String(id), 'b_lname')).toBe(`Changed${i}`);

    const writesBefore = target.stats().writes;
    const third = await migrate('--incremental');
    expect(third.code).toBe(0);
    // The lookback reads the 13 again; their hashes say they are on the target already.
    expect(third.stderr).toContain('read 13 · created 0 · updated 0 · unchanged 13');
    expect(target.stats().writes).toBe(writesBefore);
  });

  it('a change made in the same second as the bookmark is read by the next run', async () => {
    // The shop's clock stands still at .700 of a second: every change is stamped with that instant.
    const frozen = Math.floor(Date.now() / 1000) * 1000 + 700;
    const source = await spiffy({ customers: 20, clock: () => frozen });
    const target = await emulator('resultset', { customers: 0 });
    const { migrate } = pair(source, target);
    const [a, b] = await spiffyIds(source);
    await editSpiffy(source, a, 'Before');

    const first = await migrate('--incremental', '--lookback', '0');
    expect(first.stderr).toContain('created 20');
    // A second change in the same second (the same instant, even) as the first, after the read.
    await editSpiffy(source, b, 'Samesecond');
    const second = await migrate('--incremental', '--lookback', '0');
    expect(second.code, second.stderr).toBe(0);
    expect(Date.parse(sinceOf(second.stderr)!)).toBeLessThanOrEqual(frozen);
    expect(second.stderr).toContain('read 2 · created 0 · updated 1 · unchanged 1');
    expect(await resultsetColumn(target, String(b), 'b_lname')).toBe('Samesecond');
  });

  it('a change made while the read was under way, to a customer already read, is read by the next run', async () => {
    let touched: string | undefined;
    const source = await emulator('resultset', {
      customers: 50,
      seed: 4,
      // A read that spans seconds: the change falls well inside it, well before its end.
      latencyMs: 700,
      beforeList: ({ query, base }) => {
        // Page 2 is asked for once page 1 was answered (--concurrency 1): change a customer of page 1.
        if (touched === undefined && Number(query.get('page')) >= 2) base.touch((touched = base.keys()[0]));
      },
    });
    const target = await emulator('resultset', { customers: 0, seed: 5 });
    const { migrate } = pair(source, target, { pageSize: 10 });

    const first = await migrate('--incremental', '--lookback', '0', '--concurrency', '1');
    expect(first.stderr).toContain('created 50');
    expect(touched).toBeDefined();
    const changedTo = await resultsetColumn(source, touched!, 'custom_data4');
    expect(changedTo).toMatch(/^changed /);
    // The first run read that customer before the change.
    expect(await resultsetColumn(target, touched!, 'custom_data4')).not.toBe(changedTo);

    const second = await migrate('--incremental', '--lookback', '0');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('read 1 · created 0 · updated 1 · unchanged 0');
    expect(await resultsetColumn(target, touched!, 'custom_data4')).toBe(changedTo);
  });

  it('a killed incremental run leaves the bookmark where it was; --resume reads from the same instant and completes exactly', async () => {
    const source = await emulator('resultset', { customers: 40, seed: 6 });
    // Slow writes, so that the run can be killed while it sends.
    const target = await spiffy({ customers: 0, seed: 7, latencyMs: 30 });
    const { migrate, args, dir, state } = pair(source, target, { pageSize: 10 });
    expect((await migrate('--incremental')).stderr).toContain('created 40');
    const bookmark = storedBookmark(state);
    expect(bookmark).toBeDefined();

    const usernames = (await resultsetUsernames(source)).slice(0, 20);
    for (const [i, username] of usernames.entries()) await editResultset(source, username, { b_lname: `Edited${i}` });

    const writesBefore = target.stats().writes;
    const run = spawnCli(args('--incremental', '--lookback', '0', '--concurrency', '1'), { cwd: dir });
    let ended = false;
    void run.result.then(() => (ended = true));
    await waitFor(() => ended || target.stats().writes >= writesBefore + 3, 60_000, 2);
    expect(ended).toBe(false);
    run.kill('SIGKILL');
    const killed = await run.result;
    const since = /reading what changed since (\S+) /.exec(killed.stderr)?.[1];
    expect(since).toBeDefined();
    expect(storedBookmark(state)).toBe(bookmark);

    const resumed = await migrate('--incremental', '--lookback', '0', '--resume');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('resuming run');
    expect(sinceOf(resumed.stderr)).toBe(since);
    const counts = summaryCounts(resumed.stderr);
    expect(counts).toMatchObject({ read: 20, created: 0, rejected: 0, failed: 0 });
    expect(counts.updated + counts.unchanged).toBe(20);
    // Every edit landed once; nobody was created twice.
    const customers = target.customers();
    expect(customers).toHaveLength(40);
    expect(new Set(customers.map((c) => c.email)).size).toBe(40);
    expect(customers.filter((c) => /^Edited\d+$/.test(c.last_name ?? '')).map((c) => c.last_name).sort()).toEqual(usernames.map((_, i) => `Edited${i}`).sort());
    expect(storedBookmark(state)! > bookmark!).toBe(true);

    // Straight after: the edits may be read again (same second as the bookmark), and nothing is written.
    const writes = target.stats().writes;
    const after = await migrate('--incremental', '--lookback', '0');
    expect(after.stderr).toMatch(/read \d+ · created 0 · updated 0 · unchanged \d+ · rejected 0 · failed 0/);
    expect(target.stats().writes).toBe(writes);
  }, 120_000);

  it("takes the bookmark from the server's clock: a shop an hour behind us loses no change", async () => {
    const source = await spiffy({ customers: 20, clockOffsetMs: -3_600_000 });
    const target = await emulator('resultset', { customers: 0 });
    const { migrate } = pair(source, target);
    expect((await migrate('--incremental')).stderr).toContain('created 20');

    const [id] = await spiffyIds(source);
    await editSpiffy(source, id, 'Anhourbehind');
    await createSpiffy(source, 'Latecomer');
    const second = await migrate('--incremental');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('read 2 · created 1 · updated 1 · unchanged 0');
    // The instant is the shop's: an hour and the lookback before our clock.
    expect(Date.parse(sinceOf(second.stderr)!)).toBeLessThan(Date.now() - 3_600_000 - 9 * 60_000);
    expect(await resultsetColumn(target, String(id), 'b_lname')).toBe('Anhourbehind');
  });

  it('a source with no change filter is read whole, said once, and unchanged records are skipped by their hash', async () => {
    const source = await emulator('cabinetry', { customers: 15, seed: 8 });
    const target = await emulator('resultset', { customers: 0 });
    const { migrate } = pair(source, target);
    const first = await migrate('--incremental');
    expect(first.stderr.match(/has no change filter: reading every customer; unchanged ones are skipped by their hash/g)).toHaveLength(1);
    expect(first.stderr).toContain('full (cabinetry has no change filter) · read 15');
    const landed = summaryCounts(first.stderr).created;
    expect(landed).toBeGreaterThan(0);

    const writes = target.stats().writes;
    const second = await migrate('--incremental');
    expect(second.code).toBe(0);
    expect(second.stderr.match(/has no change filter: reading/g)).toHaveLength(1);
    expect(second.stderr).toContain(`full (cabinetry has no change filter) · read 15 · created 0 · updated 0 · unchanged ${landed}`);
    expect(target.stats().writes).toBe(writes);
  });

  it('--full reads everything and sets the bookmark again; a run with neither flag leaves one too', async () => {
    const source = await spiffy({ customers: 10 });
    const target = await emulator('resultset', { customers: 0 });
    const { migrate, state } = pair(source, target);
    const plain = await migrate();
    expect(plain.stderr).toMatch(/^read 10 · created 10/m);
    const first = storedBookmark(state);
    expect(first).toBeDefined();
    const incremental = await migrate('--incremental');
    expect(incremental.stderr).toContain('incremental since');
    expect(incremental.stderr).toContain('read 0 · created 0');
    const full = await migrate('--full');
    expect(full.stderr).toContain('full · read 10 · created 0 · updated 0 · unchanged 10');
    expect(storedBookmark(state)! >= first!).toBe(true);
  });

  it('refuses flags that would leave a bookmark that skips changes, before anything is read', async () => {
    const source = await spiffy({ customers: 5 });
    const target = await emulator('resultset', { customers: 0 });
    const { migrate } = pair(source, target);
    const cases: Array<[string[], RegExp]> = [
      [['--incremental', '--full'], /either --incremental or --full/],
      [['--incremental', '--since', '2026-01-01'], /--incremental cannot be combined with --since/],
      [['--incremental', '--where', 'email ~ x'], /--incremental cannot be combined with --where/],
      [['--incremental', '--limit', '3'], /--incremental cannot be combined with --limit/],
      [['--lookback', '5m'], /--lookback goes with --incremental/],
      [['--incremental', '--lookback', 'soon'], /--lookback "soon" is not a span of time/],
      [['--full', '--limit', '3'], /--full reads everything: leave out --limit/],
    ];
    for (const [flags, message] of cases) {
      const result = await migrate(...flags);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(source.stats().requests).toBe(0);
    const toFile = await runCli(['migrate', '--from', 'sandbox:spiffy', '--to', 'csv:out.csv', '--incremental'], { cwd: tempDir() });
    expect(toFile.code).toBe(2);
    expect(toFile.stderr).toContain('use pull --incremental --bookmark NAME');
  });
});

describe('migrate --where, --since, --limit', () => {
  it('migrates a part as pull would select it, and a later full run sends only the rest', async () => {
    const source = await spiffy({ customers: 30 });
    const target = await emulator('resultset', { customers: 0 });
    const { migrate, state } = pair(source, target);
    const trial = await migrate('--limit', '5');
    expect(trial.code).toBe(0);
    expect(trial.stderr).toContain('read 5 · created 5 · updated 0');
    // A part leaves no bookmark: it did not read everything.
    expect(() => storedBookmark(state)).not.toThrow();
    expect(storedBookmark(state)).toBeUndefined();

    const ids = await spiffyIds(source);
    const some = await migrate('--where', `id > ${ids[24]}`);
    expect(some.stderr).toContain('read 5 · created 5 · updated 0');
    const none = await migrate('--since', '2099-01-01');
    expect(none.stderr).toContain('read 0 · created 0');

    const rest = await migrate();
    expect(rest.code).toBe(0);
    expect(rest.stderr).toContain('read 30 · created 20 · updated 0 · unchanged 10');
  });
});

describe('pull --incremental --bookmark', () => {
  it('appends only what changed to an export, and refuses a bookmark of another read', async () => {
    const source = await spiffy({ customers: 12 });
    const dir = tempDir();
    const profiles = writeProfiles(dir, { shop: source.profile, other: source.profile });
    const pull = (...more: string[]) => runCli(['pull', '--from', 'shop', '--profiles', profiles, '--format', 'jsonl', ...more], { cwd: dir });

    const first = await pull('--incremental', '--bookmark', 'nightly');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n')).toHaveLength(12);
    expect(first.stderr).toContain('full (no bookmark yet) · read 12');

    const [id] = await spiffyIds(source);
    await editSpiffy(source, id, 'Appended');
    const second = await pull('--incremental', '--bookmark', 'nightly', '--lookback', '0');
    expect(second.code).toBe(0);
    expect(second.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; lastName: string })).toEqual([expect.objectContaining({ key: String(id), lastName: 'Appended' })]);
    expect(second.stderr).toMatch(/incremental since \S+ \(lookback 0s\) · read 1/);

    const misuse: Array<[string[], RegExp]> = [
      [['--incremental'], /needs --bookmark NAME/],
      [['--bookmark', 'nightly'], /--bookmark goes with --incremental/],
      [['--incremental', '--bookmark', 'nightly', '--where', 'email ~ .com'], /bookmark "nightly" was left by a read of shop/],
      [['--incremental', '--bookmark', 'nightly', '--since', '2026-01-01'], /cannot be combined with --since/],
    ];
    for (const [flags, message] of misuse) {
      const result = await pull(...flags);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    const elsewhere = await runCli(['pull', '--from', 'other', '--profiles', profiles, '--incremental', '--bookmark', 'nightly'], { cwd: dir });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain('use another --bookmark name');
  });
});
