import { spawn, type ChildProcessByStdio, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { expect } from 'vitest';

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
  return spawnCli(args, options).result.then(({ code, stdout, stderr }) => ({ code, stdout, stderr }));
}

/**
 * Collects what a child writes and its end; kills it after `timeoutMs` (default
 * 120 s), so that a test that timed out leaves no process running behind it.
 */
export function childResult(child: ChildProcessWithoutNullStreams | ChildProcessByStdio<null, Readable, Readable>, timeoutMs = 120_000): Promise<CliResult & { signal: NodeJS.Signals | null }> {
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
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
  const result = childResult(child, options.timeoutMs);
  child.stdin.end(options.input ?? '');
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

export const summaryLine = /read (\d+) · created (\d+) · updated (\d+) · unchanged (\d+) · rejected (\d+) · failed (\d+)/;

/** The counts of a run's summary line on stderr; fails the test when there is none or when they do not add up to `read`. */
export function summaryCounts(stderr: string): { read: number; created: number; updated: number; unchanged: number; rejected: number; failed: number } {
  const found = summaryLine.exec(stderr);
  expect(found, stderr).not.toBeNull();
  const [read, created, updated, unchanged, rejected, failed] = found!.slice(1).map(Number);
  expect(read).toBe(created + updated + unchanged + rejected + failed);
  return { read, created, updated, unchanged, rejected, failed };
}
