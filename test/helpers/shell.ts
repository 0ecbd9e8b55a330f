import { spawn } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cliPath, tempDir, type CliResult } from './cli.js';

/**
 * A folder with `custsync` in it (a link to the built CLI, as `npm link` makes
 * one), and a PATH that finds it and node: for running command lines exactly
 * as a README or a `runs` output writes them.
 */
export function custsyncOnPath(): { bin: string; path: string } {
  const bin = join(tempDir('custsync-bin-'), 'bin');
  mkdirSync(bin);
  symlinkSync(cliPath, join(bin, 'custsync'));
  return { bin, path: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin` };
}

/** Runs a command line with sh, in `cwd`, with exactly the environment given (nothing inherited, as cron does). */
export function runShell(line: string, options: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', line], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
