import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { tempDir } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';
import { custsyncOnPath, runShell } from '../helpers/shell.js';

/**
 * The README's crontab, run line by line as cron runs it: `sh -c` with no
 * environment but the crontab's own variables (and HOME). /srv/custsync
 * becomes a temporary folder and PATH one that finds this checkout's
 * custsync and node (as `npm link` would); the job lines are run as written.
 */
interface Crontab {
  env: Record<string, string>;
  jobs: string[];
}

function readCrontab(root: string, path: string): Crontab {
  const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
  const block = /```crontab\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no ```crontab block');
  const env: Record<string, string> = {};
  const jobs: string[] = [];
  for (const line of block[1].split('\n')) {
    const text = line.replaceAll('/srv/custsync', root);
    if (text.trim() === '' || text.startsWith('#')) continue;
    const assignment = /^([A-Z_]+)=(.*)$/.exec(text);
    if (assignment) env[assignment[1]] = assignment[1] === 'PATH' ? path : assignment[2];
    // Five time fields, then the command as cron hands it to sh.
    else jobs.push(text.replace(/^(\S+\s+){5}/, ''));
  }
  return { env, jobs };
}

let root: string;
let cron: Crontab;
let shop: EmulatorHandle;
let newshop: EmulatorHandle;
beforeAll(async () => {
  root = tempDir('custsync-srv-');
  cron = readCrontab(root, custsyncOnPath().path);
  shop = await startEmulator('spiffy', { customers: 15, seed: 5 });
  newshop = await startEmulator('propeller', { customers: 0 });
  // The README's setup: folders, profiles with ${VAR} secrets, the secrets file.
  mkdirSync(join(root, 'state'));
  mkdirSync(join(root, 'log'));
  const shopAuth = shop.profile.auth as { token: string };
  const newAuth = newshop.profile.auth as { clientSecret: string };
  writeFileSync(
    join(root, 'custsync.profiles.json'),
    JSON.stringify({
      profiles: {
        shop: { ...shop.profile, auth: { ...shop.profile.auth, token: '${SHOP_TOKEN}' } },
        newshop: { ...newshop.profile, auth: { ...newshop.profile.auth, clientSecret: '${NEWSHOP_SECRET}' } },
      },
    }),
  );
  writeFileSync(join(root, 'secrets.env'), `export SHOP_TOKEN=${shopAuth.token}\nexport NEWSHOP_SECRET=${newAuth.clientSecret}\n`, { mode: 0o600 });
});
afterAll(async () => {
  await shop.close();
  await newshop.close();
});

const run = (job: string) => runShell(job, { cwd: root, env: { ...cron.env, HOME: root, LOGNAME: 'cron' } });

describe("the README's crontab, with cron's empty environment", () => {
  it('has the two nightly jobs', () => {
    expect(cron.jobs).toHaveLength(2);
    expect(cron.jobs[0]).toContain('custsync diff --from shop --since-last --exit-code --quiet');
    expect(cron.jobs[1]).toContain('custsync migrate --from shop --to newshop --quiet --incremental');
    expect(Object.keys(cron.env)).toEqual(expect.arrayContaining(['PATH', 'MAILTO', 'CUSTSYNC_PROFILES', 'CUSTSYNC_STATE', 'CUSTSYNC_LOG']));
  });

  it('diff: output (a mail) on the first night and after a change, nothing at all (no mail) when nothing changed', async () => {
    const first = await run(cron.jobs[0]);
    expect(first.code).toBe(1);
    expect(first.stdout.split('\n').filter((l) => l.startsWith('+ '))).toHaveLength(15);
    const quiet = await run(cron.jobs[0]);
    expect(quiet).toEqual({ code: 0, stdout: '', stderr: '' });
    const list = (await (await fetch(`${shop.url}/api/customers.json?limit=1`, { headers: { authorization: `Bearer ${(shop.profile.auth as { token: string }).token}` } })).json()) as { customers: Array<{ id: number }> };
    const id = list.customers[0].id;
    const changed = await fetch(`${shop.url}/api/customers/${id}.json`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${(shop.profile.auth as { token: string }).token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customer: { id, last_name: 'Changedbycron' } }),
    });
    expect(changed.status).toBe(200);
    const mail = await run(cron.jobs[0]);
    expect(mail.code).toBe(1);
    expect(mail.stdout).toMatch(new RegExp(`^~ ${id} `, 'm'));
    expect(mail.stdout).toContain('lastName:');
    expect(mail.stdout).toContain('-> "Changedbycron"');
  });

  it('migrate: nothing printed (no mail), the log holds each night, and the second night reads and sends only what changed', async () => {
    const first = await run(cron.jobs[1]);
    expect(first, first.stdout).toEqual({ code: 0, stdout: '', stderr: '' });
    const second = await run(cron.jobs[1]);
    expect(second).toEqual({ code: 0, stdout: '', stderr: '' });
    const log = readFileSync(join(root, 'log', 'migrate.log'), 'utf8').trim().split('\n');
    // The second night reads only what changed since the first began (minus the lookback): none of it is sent again.
    expect(log).toHaveLength(2);
    expect(log[0]).toBe('full (no bookmark yet) · read 15 · created 15 · updated 0 · unchanged 0 · rejected 0 · failed 0');
    expect(log[1]).toMatch(/^incremental since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(lookback 10m\) · read (\d+) · created 0 · updated 0 · unchanged \1 · rejected 0 · failed 0$/);
    // The state the lines name is where `custsync runs` finds the history.
    const runs = await runShell(`custsync runs --state "$CUSTSYNC_STATE" --format json`, { cwd: root, env: { ...cron.env, HOME: root } });
    expect((JSON.parse(runs.stdout) as Array<{ state: string }>).map((r) => r.state)).toEqual(['done', 'done']);
  });

  it('a failing night is mailed, with where to look', async () => {
    const broken = cron.jobs[1].replace('--to newshop', '--to nowhere');
    const result = await run(broken);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`custsync migrate exited 2: see ${root}/log/migrate.log and custsync runs --state ${root}/state\n`);
    expect(readFileSync(join(root, 'log', 'migrate.log'), 'utf8')).toContain('unknown profile "nowhere"');
  });
});
