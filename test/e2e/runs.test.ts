import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { cliPath, runCli, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';
import { custsync, runInPty, screen } from '../helpers/pty.js';
import { custsyncOnPath, runShell } from '../helpers/shell.js';

/** `custsync runs` after a completed, a failed, a killed and an interrupted (Ctrl-C) migration. */
let dir: string;
let profiles: string;
const targets: Record<string, EmulatorHandle> = {};
let onPath: { path: string };

beforeAll(async () => {
  dir = tempDir();
  onPath = custsyncOnPath();
  // One target per run, so that no run supersedes another (a new run of the same pair abandons an unfinished one).
  for (const name of ['done', 'killed', 'stopped']) targets[name] = await startEmulator('cabinetry', { customers: 0, seed: 1, latencyMs: 40 });
  profiles = writeProfiles(dir, {
    ...Object.fromEntries(Object.entries(targets).map(([name, handle]) => [name, handle.profile])),
    down: { dialect: 'cabinetry', baseUrl: 'http://127.0.0.1:9', auth: { type: 'header', name: 'X-GC-API-KEY', value: 'nope-nope' }, retries: 0 },
  });
  const pulled = await runCli(['pull', '--from', 'sandbox:cabinetry', '--format', 'jsonl', '--limit', '40']);
  const records = pulled.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  // One record the target refuses: cabinetry needs an email.
  const { email: _email, ...noEmail } = records[3];
  records[3] = noEmail;
  writeFileSync(join(dir, 'src.jsonl'), `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
});
afterAll(async () => {
  for (const handle of Object.values(targets)) await handle.close();
});

const migrate = (to: string) => ['migrate', '--from', 'jsonl:src.jsonl', '--to', to, '--profiles', profiles, '--state', 'st', '--concurrency', '1'];
const runs = async () => JSON.parse((await runCli(['runs', '--state', 'st', '--format', 'json'], { cwd: dir })).stdout) as Array<Record<string, unknown>>;

describe('custsync runs', () => {
  it('says so when there is no state database', async () => {
    const result = await runCli(['runs', '--state', 'nowhere'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('no runs in nowhere (no state database there)');
    expect(JSON.parse((await runCli(['runs', '--state', 'nowhere', '--format', 'json'], { cwd: dir })).stdout)).toEqual([]);
  });

  it('a completed run: done, its counts, and each record with the reason of the rejected one', async () => {
    const result = await runCli(migrate('done'), { cwd: dir });
    expect(result.code, result.stderr).toBe(1);
    const [run] = await runs();
    expect(run).toMatchObject({ id: 1, state: 'done', command: 'migrate', counts: { read: 40, created: 39, rejected: 1, failed: 0 } });
    expect(run.resume).toBeUndefined();
    const show = await runCli(['runs', 'show', '1', '--state', 'st'], { cwd: dir });
    expect(show.stdout).toMatch(/^run #1 · migrate · done$/m);
    const lines = show.stdout.split('\n');
    expect(lines.filter((l) => /^created /.test(l))).toHaveLength(39);
    expect(lines.filter((l) => /^rejected /.test(l))).toEqual([expect.stringMatching(/email/i)]);
    const json = JSON.parse((await runCli(['runs', 'show', '1', '--state', 'st', '--format', 'json'], { cwd: dir })).stdout) as { run: { id: number }; records: Array<{ status: string; reason?: string }> };
    expect(json.run.id).toBe(1);
    expect(json.records).toHaveLength(40);
    expect(json.records.find((r) => r.status === 'rejected')?.reason).toMatch(/email/i);
  });

  it('a failed run: failed, with the error and the exact command that resumes it', async () => {
    const result = await runCli(migrate('down'), { cwd: dir });
    expect(result.code).toBe(3);
    const expected = `custsync migrate --from jsonl:src.jsonl --to down --profiles ${profiles} --state st --concurrency 1 --resume`;
    expect(result.stderr).toContain(`run #2 is unfinished: fix the cause, then resume it with:\n  ${expected}\n`);
    const [run] = await runs();
    expect(run).toMatchObject({ id: 2, state: 'failed', resume: expected });
    expect(run.error).toMatch(/ECONNREFUSED|failed/);
    const list = await runCli(['runs', '--state', 'st'], { cwd: dir });
    expect(list.stdout.split('\n')[0]).toMatch(/^ID +STATE +STARTED +DURATION +RUN +COUNTS$/);
    expect(list.stdout).toMatch(/^2 +failed .*migrate jsonl:src\.jsonl → down +read /m);
    expect(list.stdout).toContain(`resume: ${expected}`);
    expect(list.stdout).toMatch(/^1 +done /m);
  });

  it('a killed run: killed-resumable; its command resumes it, and nothing is created twice', async () => {
    const child = spawn(process.execPath, [cliPath, ...migrate('killed')], { cwd: dir, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        // The run is recorded before this line is printed; the writes are under way.
        if (stderr.includes('migrate: reading')) resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const [run] = await runs();
    expect(run).toMatchObject({ id: 3, state: 'killed-resumable' });
    const resumed = await runShell(String(run.resume), { cwd: dir, env: { PATH: onPath.path } });
    expect(resumed.code, resumed.stderr).toBe(1);
    expect(resumed.stderr).toContain('migrate: resuming run #3');
    expect((await runs())[0]).toMatchObject({ id: 3, state: 'done' });
    const count = (await runCli(['search', '--in', 'killed', '--profiles', profiles, '--format', 'jsonl'])).stdout.trim().split('\n');
    expect(count).toHaveLength(39);
  });

  it('Ctrl-C at a terminal: the display closes, the summary so far and the resuming command are printed, and that command finishes the run', async () => {
    const result = await runInPty(`cd ${dir} && ${custsync(...migrate('stopped'))}`, {
      cols: 200,
      type: (output) => (/write stopped [1-9]/.test(output) ? '\u0003' : undefined),
    });
    expect(result.code, result.output).toBe(130);
    const shown = screen(result.output);
    const resume = `custsync migrate --from jsonl:src.jsonl --to stopped --profiles ${profiles} --state st --concurrency 1 --resume`;
    expect(shown).toContain('migrate: stopping: the records in flight are being confirmed (Ctrl-C again to quit at once)');
    expect(shown.find((line) => line.startsWith('read '))).toMatch(/^read \d+ · created \d+ · updated 0 · unchanged 0 · rejected \d+ · failed \d+$/);
    expect(shown.slice(-2)).toEqual(["run #4 was stopped; what the target confirmed is kept. Resume it with:", `  ${resume}`]);
    // Nothing of the live area is left behind.
    expect(shown.some((line) => /⠋|⠙|⠹|⠸|⠼|⠴|⠦|⠧|⠇|⠏/.test(line))).toBe(false);
    expect((await runs())[0]).toMatchObject({ id: 4, state: 'killed-resumable', resume });
    const resumed = await runShell(resume, { cwd: dir, env: { PATH: onPath.path } });
    expect(resumed.code, resumed.stderr).toBe(1);
    expect((await runs()).map((r) => [r.id, r.state])).toEqual([
      [4, 'done'],
      [3, 'done'],
      [2, 'failed'],
      [1, 'done'],
    ]);
  });

  it('an unknown run id is exit 2', async () => {
    const result = await runCli(['runs', 'show', '99', '--state', 'st'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no run #99 in st');
  });
});
