import { spawn } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { childResult, cliPath, tempDir, type CliResult } from './cli.js';

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
  const child = spawn('/bin/sh', ['-c', line], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  return childResult(child, options.timeoutMs).then(({ code, stdout, stderr }) => ({ code, stdout, stderr }));
}
