import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The built CLI, run as a user runs it. `npm test` builds first. */
export const cliPath = resolve(import.meta.dirname, '../../bin/custsync.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  /** Kill the process after this many ms (default 120 s). */
  timeoutMs?: number;
}

/** Runs `custsync ARGS` as a child process; never throws on a non-zero exit. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd ?? tempDir(),
      env: { ...process.env, CI: 'true', CUSTSYNC_CONFIG_DIR: options.env?.CUSTSYNC_CONFIG_DIR ?? tempDir(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

export function tempDir(prefix = 'custsync-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a profiles file and returns its path. */
export function writeProfiles(dir: string, profiles: Record<string, unknown>): string {
  const path = join(dir, 'profiles.json');
  writeFileSync(path, JSON.stringify({ profiles }, null, 2));
  return path;
}

/** A CLI process started in the background: its pid, and its result once it ends (killed ones included). */
export interface RunningCli {
  pid: number;
  kill(signal?: NodeJS.Signals): void;
  result: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

export function spawnCli(args: string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: options.cwd ?? tempDir(),
    env: { ...process.env, CI: 'true', CUSTSYNC_CONFIG_DIR: options.env?.CUSTSYNC_CONFIG_DIR ?? tempDir(), ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const result = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
  return { pid: child.pid!, kill: (signal = 'SIGTERM') => child.kill(signal), result };
}

/** Polls until `check` holds (or gives up after `timeoutMs`, returning false). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 30_000, everyMs = 10): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return false;
}
