import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * What the benchmarks share: custsync run as a user runs it, a process of
 * its own (start-up included), and the median they print.
 */
export const cliPath = fileURLToPath(new URL('../../bin/custsync.js', import.meta.url));

/** Preload it (`--import`) to get a process's own peak RSS and CPU time (see rss-probe.ts). */
export const probeUrl = new URL('./rss-probe.js', import.meta.url).href;

export interface ProcessRun {
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
}

/** Node with `args`, timed from spawn to exit; CI=true keeps progress displays off. */
export function runNode(args: string[], env: Record<string, string> = {}): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env: { ...process.env, CI: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, ms: performance.now() - started, stderr, stdout }));
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
