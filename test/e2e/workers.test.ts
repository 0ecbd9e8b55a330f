import { afterEach, beforeEach, expect, it } from 'vitest';
import { emailKey } from '../../src/core/customer.js';
import { startSpiffyEmulator, type SpiffyEmulatorHandle } from '../../src/dialects/spiffy/emulator.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { runCli, spawnCli, summaryCounts, tempDir, waitFor, writeProfiles, type CliResult } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';
import { createTestDatabase, describePg, queryDatabase, type TestDatabase } from '../helpers/pg.js';

/**
 * `migrate --workers` end to end: several CLI processes against one
 * PostgreSQL state split one migration's read into parts, each claimed
 * once; a worker killed mid-way leaves its part to the others. Cabinetry
 * (id parts) to Spiffy, which creates by POST and matches by email, so a
 * customer written twice would show as a second customer.
 */
const running: EmulatorHandle[] = [];
let database: TestDatabase;

describePg('migrate --workers', () => {
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.close()));
    await database.drop();
  });

  const count = async (sql: string) => (await queryDatabase<{ n: number }>(database.url, `SELECT count(*)::int AS n FROM custsync.${sql}`))[0].n;

  async function setup(customers: number, latencyMs = 0) {
    const source = await startEmulator('cabinetry', { customers, seed: 71 });
    const target: SpiffyEmulatorHandle = await startSpiffyEmulator({ customers: 0, seed: 72, latencyMs, rateLimit: { limit: 10_000_000 } });
    running.push(source, target);
    /** Each worker in a directory and HOME of its own (another host); only the URL is shared. */
    const host = () => {
      const dir = tempDir('custsync-worker-');
      return { cwd: dir, env: { HOME: dir, CUSTSYNC_PROFILES: writeProfiles(dir, { cab: source.profile, shop: target.profile }), CUSTSYNC_STATE: database.url } };
    };
    /** Every source customer is on the target exactly once, and nothing else is. */
    const expectEachOnce = async () => {
      const pulled = await runCli(['pull', '--from', 'cab', '--format', 'jsonl'], host());
      const sourceEmails = pulled.stdout.trim().split('\n').map((line) => emailKey((JSON.parse(line) as { email: string }).email)!).sort();
      expect(sourceEmails).toHaveLength(customers);
      const targetEmails = target.customers().map((c) => emailKey(c.email ?? undefined)!).sort();
      expect(targetEmails).toEqual(sourceEmails);
      const diff = await runCli(['diff', '--from', 'cab', '--to', 'shop', '--exit-code'], host());
      expect(diff.code, diff.stdout.slice(0, 2000) + diff.stderr).toBe(0);
    };
    return { source, target, host, expectEachOnce };
  }

  const workerArgs = ['migrate', '--from', 'cab', '--to', 'shop', '--workers'];

  it('two workers on 10,000 customers: each customer written once, and diff --exit-code finds nothing after', async () => {
    const customers = 10_000;
    // Spiffy (id parts) into Cabinetry, which creates with POST: a customer written twice would be a second POST.
    const source = await startSpiffyEmulator({ customers, seed: 77, rateLimit: { limit: 10_000_000 } });
    const target = await startEmulator('cabinetry', { customers: 0, seed: 78 });
    running.push(source, target);
    const host = () => {
      const dir = tempDir('custsync-worker-');
      return { cwd: dir, env: { HOME: dir, CUSTSYNC_PROFILES: writeProfiles(dir, { shop: source.profile, cab: target.profile }), CUSTSYNC_STATE: database.url }, timeoutMs: 900_000 };
    };
    const args = ['migrate', '--from', 'shop', '--to', 'cab', '--workers'];
    const results: CliResult[] = await Promise.all([runCli(args, host()), runCli(args, host())]);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    // One planned, the other joined the same plan; both read parts of it.
    const said = results.map((r) => r.stderr).join('\n');
    expect(said).toMatch(/migrate: worker pid \d+ on \S+ planned \d+ parts of shop \(plan #1\)/);
    expect(said).toMatch(/migrate: worker pid \d+ on \S+ joined plan #1 of shop/);
    const counts = results.map((r) => summaryCounts(r.stderr));
    // Each worker counts what it did; together, every customer once.
    expect(counts[0].read + counts[1].read).toBe(customers);
    expect(counts[0].created + counts[1].created).toBe(customers);
    expect(counts[0].read).toBeGreaterThan(0);
    expect(counts[1].read).toBeGreaterThan(0);
    expect(target.stats().byMethod.POST ?? 0).toBe(customers);
    expect(await count('work_partitions WHERE done_at IS NULL')).toBe(0);
    expect(await count('work_plans WHERE finished_at IS NULL')).toBe(0);
    expect(await count('crosswalk')).toBe(customers);
    expect(await count('pending')).toBe(0);
    expect(await count('locks')).toBe(0);
    // `runs` shows one run per worker.
    const runs = JSON.parse((await runCli(['runs', '--format', 'json'], host())).stdout) as Array<{ state: string }>;
    expect(runs.map((r) => r.state)).toEqual(['done', 'done']);
    const emails = source.customers().map((c) => emailKey(c.email ?? undefined)!).sort();
    const pulled = await runCli(['pull', '--from', 'cab', '--format', 'jsonl'], host());
    expect(pulled.stdout.trim().split('\n').map((line) => emailKey((JSON.parse(line) as { email: string }).email)!).sort()).toEqual(emails);
    const diff = await runCli(['diff', '--from', 'shop', '--to', 'cab', '--exit-code'], host());
    expect(diff.code, diff.stdout.slice(0, 2000) + diff.stderr).toBe(0);
  }, 1_200_000);

  it('a worker SIGKILLed mid-way leaves its part to the other, which waited for it and finishes it: every customer once', async () => {
    const customers = 1_200;
    // Slow enough writes that the last part is still being written when the other worker has joined.
    const { host, target, expectEachOnce } = await setup(customers, 40);
    const doomed = spawnCli(workerArgs, { ...host(), timeoutMs: 300_000 });
    let doomedEnded = false;
    void doomed.result.then(() => (doomedEnded = true));
    // The doomed worker alone until it holds the last part: the other then finds nothing to claim and waits.
    const left = () => count('work_partitions WHERE done_at IS NULL').catch(() => -1);
    await waitFor(async () => doomedEnded || (await left()) === 1, 120_000, 50);
    const survivor = spawnCli(workerArgs, { ...host(), timeoutMs: 300_000 });
    // Its run starts once it joined the plan.
    await waitFor(async () => doomedEnded || (await count('runs').catch(() => 0)) === 2, 60_000, 20);
    // The workers hold the pair's lock together: a plain migrate of the pair is refused meanwhile.
    const plain = await runCli(['migrate', '--from', 'cab', '--to', 'shop'], host());
    expect(plain.code, plain.stderr).toBe(2);
    expect(plain.stderr).toMatch(/another run is using this state for migrate cab .*: migrate --workers \(pid \d+ on /);
    const writes = target.stats().writes;
    await waitFor(() => doomedEnded || target.stats().writes >= writes + 20, 60_000, 5);
    expect(doomedEnded, 'the worker ended before it could be killed').toBe(false);
    expect(await left()).toBe(1);
    doomed.kill('SIGKILL');
    const killed = await doomed.result;
    expect(killed.signal).toBe('SIGKILL');
    const done = await survivor.result;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(/every part of plan #1 is done \(1 read by this worker\)/);
    // The survivor read the part again: what the dead worker confirmed is unchanged, nothing was created twice.
    const counts = summaryCounts(done.stderr);
    expect(counts.unchanged).toBeGreaterThan(0);
    expect(counts.created).toBeGreaterThan(0);
    expect(await left()).toBe(0);
    expect(await count('pending')).toBe(0);
    expect(await count('crosswalk')).toBe(customers);
    await expectEachOnce();
  }, 300_000);

  it('propeller: two workers split its creation-time range, each customer written once', async () => {
    const customers = 600;
    const source = await startEmulator('propeller', { customers, seed: 75 });
    const target = await startEmulator('cabinetry', { customers: 0, seed: 76 });
    running.push(source, target);
    const host = () => {
      const dir = tempDir('custsync-worker-');
      return { cwd: dir, env: { HOME: dir, CUSTSYNC_PROFILES: writeProfiles(dir, { prop: source.profile, cab: target.profile }), CUSTSYNC_STATE: database.url } };
    };
    const args = ['migrate', '--from', 'prop', '--to', 'cab', '--workers'];
    const results = await Promise.all([runCli(args, host()), runCli(args, host())]);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    expect(results.map((r) => r.stderr).join('\n')).toMatch(/planned [2-9] parts of prop/);
    const counts = results.map((r) => summaryCounts(r.stderr));
    expect(counts[0].created + counts[1].created).toBe(customers);
    // Creates are POSTs: none twice.
    expect(target.stats().byMethod.POST ?? 0).toBe(customers);
    const pulled = await runCli(['pull', '--from', 'cab', '--format', 'jsonl'], host());
    const emails = pulled.stdout.trim().split('\n').map((line) => emailKey((JSON.parse(line) as { email: string }).email)!);
    expect(new Set(emails).size).toBe(customers);
    const diff = await runCli(['diff', '--from', 'prop', '--to', 'cab', '--exit-code'], host());
    expect(diff.code, diff.stderr).toBe(0);
  }, 300_000);

  it('--workers with an SQLite state: exit 2, it needs --state postgres://…', async () => {
    const { host } = await setup(5);
    const { env, cwd } = host();
    const result = await runCli([...workerArgs, '--state', './state'], { cwd, env: { ...env, CUSTSYNC_STATE: '' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('migrate --workers needs a state every worker shares: --state postgres://…');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('--workers with a source that cannot be split: exit 2, naming it and why', async () => {
    const rs = await startEmulator('resultset', { customers: 5, seed: 73 });
    const shop = await startEmulator('spiffy', { customers: 0, seed: 74 });
    running.push(rs, shop);
    const dir = tempDir('custsync-worker-');
    const env = { HOME: dir, CUSTSYNC_PROFILES: writeProfiles(dir, { rs: rs.profile, shop: shop.profile }), CUSTSYNC_STATE: database.url };
    const result = await runCli(['migrate', '--from', 'rs', '--to', 'shop', '--workers'], { cwd: dir, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('migrate --workers: rs (resultset) pages by position only: its customers cannot be cut into parts that stay the same while other workers read them');
    const file = await runCli(['migrate', '--from', 'csv:customers.csv', '--to', 'shop', '--workers'], { cwd: dir, env });
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('migrate --workers: csv:customers.csv is a file: it is read whole by one process and cannot be split between workers');
    const fileTarget = await runCli(['migrate', '--from', 'shop', '--to', 'jsonl:out.jsonl', '--workers'], { cwd: dir, env });
    expect(fileTarget.code).toBe(2);
    expect(fileTarget.stderr).toContain('migrate --workers: jsonl:out.jsonl is a file: one process writes it whole, so workers cannot share it');
    expect(shop.stats().writes).toBe(0);
  });
});
