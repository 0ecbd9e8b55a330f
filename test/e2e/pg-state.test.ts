import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { emailKey, type Customer } from '../../src/core/customer.js';
import { startSpiffyEmulator, type SpiffyEmulatorHandle } from '../../src/dialects/spiffy/emulator.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { runCli, spawnCli, tempDir, waitFor, writeProfiles, type CliResult } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';
import { createTestDatabase, describePg, queryDatabase, type TestDatabase } from '../helpers/pg.js';
import { createSpiffy, editSpiffy, spiffyIds } from '../helpers/source-edits.js';

/**
 * `--state postgres://…` end to end: the built CLI as a process, emulators on
 * loopback, and a PostgreSQL database of the test's own. What a user of
 * containers or several hosts relies on: a run killed in one place resumed in
 * another, a nightly diff whose snapshot outlives its container, a password
 * that never shows, state moved from a directory into PostgreSQL.
 */
const running: EmulatorHandle[] = [];
let database: TestDatabase;

describePg('PostgreSQL state, end to end', () => {
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.close()));
    await database.drop();
  });

  /** The state URL with a password (trust auth ignores it; custsync must never print it). */
  const password = 'Tr0ub4dor-and-3';
  const stateUrl = () => {
    const url = new URL(database.url);
    url.password = password;
    return url.toString();
  };
  const count = async (table: string) => (await queryDatabase<{ n: number }>(database.url, `SELECT count(*)::int AS n FROM custsync.${table}`))[0].n;

  it('a migration SIGKILLed in one process is resumed by another, in another directory, sharing only the URL: every customer once', async () => {
    const customers = 120;
    const source = await startEmulator('resultset', { customers, seed: 31 });
    // Spiffy creates with POST and matches by email: a duplicate would show as a second customer.
    const target: SpiffyEmulatorHandle = await startSpiffyEmulator({ customers: 0, seed: 32, latencyMs: 5, rateLimit: { limit: 1_000_000 } });
    running.push(source, target);
    const profiles = { rs: { ...source.profile, pageSize: 25 }, shop: target.profile };
    /** Each run in a fresh directory and HOME (another host or container); only the URL is shared. */
    const freshHost = () => {
      const dir = tempDir('custsync-host-');
      return { cwd: dir, env: { HOME: dir, CUSTSYNC_PROFILES: writeProfiles(dir, profiles), CUSTSYNC_STATE: stateUrl() } };
    };
    const args = ['migrate', '--from', 'rs', '--to', 'shop', '--resume'];
    const pulled = await runCli(['pull', '--from', 'rs', '--format', 'jsonl'], freshHost());
    const sourceEmails = pulled.stdout.trim().split('\n').map((l) => emailKey((JSON.parse(l) as Customer).email)!).sort();
    expect(sourceEmails).toHaveLength(customers);

    const outputs: string[] = [];
    let takenOver = 0;
    // Killed after 2 writes on one host, then after 5 more on another; a third finishes.
    for (const writes of [2, 5]) {
      const before = target.stats().writes;
      const run = spawnCli(args, freshHost());
      let ended = false;
      void run.result.then(() => (ended = true));
      await waitFor(() => ended || target.stats().writes >= before + writes, 60_000, 2);
      expect(ended, 'the run ended before it could be killed').toBe(false);
      run.kill('SIGKILL');
      const result = await run.result;
      expect(result.signal).toBe('SIGKILL');
      expect(result.stderr).not.toContain('another run is using this state');
      if (result.stderr.includes('warning: took over the lock')) takenOver += 1;
      outputs.push(result.stdout, result.stderr);
    }
    const finished = await runCli(args, freshHost());
    outputs.push(finished.stdout, finished.stderr);
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stderr).toContain('rejected 0 · failed 0');
    // The killed processes' connections ended, and their locks with them: the next runs took over.
    expect(takenOver + (finished.stderr.includes('warning: took over the lock') ? 1 : 0)).toBe(2);

    // Nothing twice: every source customer is on the target once, nothing else.
    const targetEmails = target.customers().map((c) => emailKey(c.email ?? undefined)!).sort();
    expect(targetEmails).toEqual(sourceEmails);
    expect(await count('crosswalk')).toBe(customers);
    expect(await count('pending')).toBe(0);
    expect(await count('locks')).toBe(0);
    // No lock is left with the server either.
    expect(
      await queryDatabase(database.url, "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 1668641652 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
    ).toEqual([]);

    // Yet another host finds the migration done: nothing to send.
    const again = await runCli(['migrate', '--from', 'rs', '--to', 'shop'], freshHost());
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`read ${customers} · created 0 · updated 0 · unchanged ${customers}`);
    // And `runs` on a fourth shows the history with the killed attempts resumed.
    const runs = await runCli(['runs', '--format', 'json'], freshHost());
    const list = JSON.parse(runs.stdout) as Array<{ state: string; counts: { read: number } }>;
    expect(list[0].state).toBe('done');
    for (const text of [...outputs, again.stderr, runs.stdout]) expect(text).not.toContain(password);
  }, 240_000);

  it('a nightly diff --since-last in fresh containers (new directory and HOME each night) reports only what changed', async () => {
    const shop = await startEmulator('spiffy', { customers: 15, seed: 41 });
    running.push(shop);
    const container = () => {
      const dir = tempDir('custsync-container-');
      writeFileSync(join(dir, 'custsync.profiles.json'), JSON.stringify({ profiles: { shop: shop.profile } }));
      // The URL comes from the job's environment, its password from a secret variable.
      return { cwd: dir, env: { HOME: dir, STATE_PASSWORD: password, CUSTSYNC_STATE: `postgres://${new URL(database.url).username}:\${STATE_PASSWORD}@${new URL(database.url).host}${new URL(database.url).pathname}` } };
    };
    const nightly = ['diff', '--from', 'shop', '--since-last', '--exit-code'];
    const first = await runCli(nightly, container());
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout.split('\n').filter((l) => l.startsWith('+ '))).toHaveLength(15);

    const quiet = await runCli(nightly, container());
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toBe('');

    const [id] = await spiffyIds(shop);
    await editSpiffy(shop, id, 'Changedovernight');
    const added = await createSpiffy(shop, 'Newcomer');
    const second = await runCli(nightly, container());
    expect(second.code, second.stderr).toBe(1);
    const lines = second.stdout.split('\n').filter((l) => /^[+~-] /.test(l));
    expect(lines).toHaveLength(2);
    expect(second.stdout).toMatch(new RegExp(`^~ ${id} `, 'm'));
    expect(second.stdout).toContain('-> "Changedovernight"');
    expect(second.stdout).toMatch(new RegExp(`^\\+ ${added} newcomer@example.com`, 'm'));
    for (const result of [first, quiet, second]) expect(result.stdout + result.stderr).not.toContain(password);
    // Nothing was kept in the containers' directories: the state is in PostgreSQL.
    expect(await count('snapshots')).toBe(1);
  }, 120_000);

  it('never prints the password: not in logs, errors, summaries, reports or the run history', async () => {
    const source = await startEmulator('resultset', { customers: 12, seed: 51 });
    const target = await startEmulator('propeller', { customers: 0, seed: 52 });
    running.push(source, target);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { rs: source.profile, prop: target.profile });
    const url = stateUrl();
    const results: CliResult[] = [];
    const run = async (args: string[]) => {
      const result = await runCli(args, { cwd: dir });
      results.push(result);
      return result;
    };
    const migrated = await run(['migrate', '--from', 'rs', '--to', 'prop', '--profiles', profiles, '--state', url, '--verbose', '--report', 'report.json', '--rejects', 'rejects.csv']);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stderr).toContain('read 12 · created 12');
    await run(['runs', '--state', url]);
    await run(['runs', '--state', url, '--format', 'json']);
    await run(['runs', 'show', '1', '--state', url, '--format', 'json']);
    await run(['migrate', '--from', 'rs', '--to', 'prop', '--profiles', profiles, '--state', url, '--dry-run']);
    // Failures name the state without its password.
    const noDatabase = await run(['runs', '--state', url.replace(database.name, 'custsync_t_nosuchdb')]);
    expect(noDatabase.code).toBe(2);
    expect(noDatabase.stderr).toMatch(/cannot connect to the state database postgres:\/\/\w+@127\.0\.0\.1:5432\/custsync_t_nosuchdb: .*does not exist/);
    const noServer = await run(['migrate', '--from', 'rs', '--to', 'prop', '--profiles', profiles, '--state', url.replace(':5432/', ':1/')]);
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toMatch(/cannot connect to the state database postgres:\/\/\w+@127\.0\.0\.1:1\/custsync_t_\w+/);
    const badUrl = await run(['runs', '--state', `postgres://user:${password}@127.0.0.1:5432`]);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('names no database');
    const missingVariable = await run(['runs', '--state', 'postgres://user:${NO_SUCH_PASSWORD}@127.0.0.1:5432/x']);
    expect(missingVariable.code).toBe(2);
    expect(missingVariable.stderr).toContain('environment variable NO_SUCH_PASSWORD is not set (used by --state)');

    for (const result of results) expect(result.stdout + result.stderr).not.toContain(password);
    for (const file of readdirSync(dir)) expect(readFileSync(join(dir, file), 'utf8'), file).not.toContain(password);
    // Nor in the state itself.
    const stored = await queryDatabase<{ argv: string }>(database.url, 'SELECT argv FROM custsync.run_meta');
    expect(stored.length).toBeGreaterThan(0);
    for (const row of stored) expect(row.argv).not.toContain(password);
  }, 120_000);

  it('a second run of the same pair on another host is refused with exit 2 while the first runs, naming it', async () => {
    const source = await startEmulator('resultset', { customers: 60, seed: 71 });
    // A slow target keeps the first run busy (and its lock held) for seconds after it took the lock.
    const target = await startEmulator('propeller', { customers: 0, seed: 72, latencyMs: 4000 });
    running.push(source, target);
    const host = () => {
      const dir = tempDir('custsync-host-');
      return { cwd: dir, env: { HOME: dir, CUSTSYNC_PROFILES: writeProfiles(dir, { rs: source.profile, prop: target.profile }), CUSTSYNC_STATE: stateUrl() } };
    };
    const first = spawnCli(['migrate', '--from', 'rs', '--to', 'prop'], host());
    // It holds the lock once it has written its name in the state.
    expect(await waitFor(async () => (await count('locks').catch(() => 0)) > 0, 60_000, 20)).toBe(true);
    const second = await runCli(['migrate', '--from', 'rs', '--to', 'prop'], host());
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`another run is using this state for migrate .*: migrate \\(pid ${first.pid} on \\S+, started `));
    expect(second.stderr).toContain('its lock ends with its connection to the state database');
    expect(second.stderr).not.toContain(password);
    const done = await first.result;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain('read 60 · created 60');
  }, 120_000);

  it('refuses, with exit 2, a state whose schema a newer custsync wrote', async () => {
    const first = await runCli(['diff', '--from', 'sandbox:spiffy', '--since-last', '--state', database.url]);
    expect(first.code, first.stderr).toBe(0);
    await queryDatabase(database.url, "INSERT INTO custsync.schema_migrations (version, description) VALUES (999, 'from the future')");
    const refused = await runCli(['diff', '--from', 'sandbox:spiffy', '--since-last', '--state', database.url]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/error: the state in postgres:\/\/\S+ has schema version 999; this custsync knows versions up to \d+/);
    expect(refused.stderr).toContain('hint: upgrade custsync');
  });

  it('state copy moves a directory state into PostgreSQL and back: the next run there sends nothing', async () => {
    const source = await startEmulator('resultset', { customers: 20, seed: 61 });
    const target = await startEmulator('propeller', { customers: 0, seed: 62 });
    running.push(source, target);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { rs: source.profile, prop: target.profile });
    const migrate = (state: string) => runCli(['migrate', '--from', 'rs', '--to', 'prop', '--profiles', profiles, '--state', state], { cwd: dir });
    expect((await migrate(join(dir, 'state'))).code).toBe(0);
    expect((await runCli(['diff', '--from', 'rs', '--since-last', '--profiles', profiles, '--state', join(dir, 'state')], { cwd: dir })).code).toBe(0);

    const copied = await runCli(['state', 'copy', '--from', join(dir, 'state'), '--to', stateUrl()], { cwd: dir });
    expect(copied.code, copied.stderr).toBe(0);
    expect(copied.stderr).toMatch(/^copied \S+state\.db → postgres:\/\/\w+@127\.0\.0\.1:5432\/custsync_t_\w+: runs 1 · crosswalk 20 · in flight 0 · snapshots 1 \(20 records\) · bookmarks 1$/m);
    expect(copied.stderr).not.toContain(password);

    const there = await migrate(stateUrl());
    expect(there.code, there.stderr).toBe(0);
    expect(there.stderr).toContain('read 20 · created 0 · updated 0 · unchanged 20');
    const diff = await runCli(['diff', '--from', 'rs', '--since-last', '--profiles', profiles, '--state', stateUrl(), '--exit-code'], { cwd: dir });
    expect(diff.code, diff.stdout).toBe(0);
    const runs = JSON.parse((await runCli(['runs', '--state', database.url, '--format', 'json'])).stdout) as Array<{ id: number }>;
    expect(runs.map((r) => r.id)).toEqual([2, 1]);

    // Into a directory that holds state already: refused, nothing merged.
    const refused = await runCli(['state', 'copy', '--from', database.url, '--to', join(dir, 'state')], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/holds state already \(runs, checkpoints, crosswalk/);
    // Back into a new one.
    const back = await runCli(['state', 'copy', '--from', database.url, '--to', join(dir, 'back')], { cwd: dir });
    expect(back.code, back.stderr).toBe(0);
    expect(back.stderr).toContain('runs 2 · crosswalk 20');
    expect((await migrate(join(dir, 'back'))).stderr).toContain('read 20 · created 0 · updated 0 · unchanged 20');
    // A source that is no state.
    const none = await runCli(['state', 'copy', '--from', join(dir, 'nothing-here'), '--to', join(dir, 'other')], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('there is no state in');
  }, 120_000);
});
