import { spawn } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { custsyncOnPath, runShell } from '../helpers/shell.js';

/**
 * `--help` of every command ends with examples, and each runs as written
 * (with sh, `custsync` on the PATH, in a fresh folder holding a copy of
 * profiles.example.json as a checkout does), in the order shown.
 */
const commands = ['', 'pull', 'push', 'migrate', 'diff', 'search', 'runs', 'runs show', 'profiles', 'profiles list', 'profiles show', 'profiles test', 'profiles add', 'profiles remove', 'sandbox', 'state', 'state copy'];
const onPath = custsyncOnPath();

function examplesOf(help: string): string[] {
  const lines = help.trimEnd().split('\n');
  const start = lines.findIndex((line) => /^Examples\b.*:$/.test(line));
  expect(start, `no Examples: in\n${help}`).toBeGreaterThan(0);
  const examples = lines.slice(start + 1);
  // They are the end of the help: nothing but example lines after the heading.
  for (const line of examples) expect(line).toMatch(/^ {2}custsync /);
  return examples.map((line) => line.trim());
}

/** A sandbox serves until Ctrl-C: it must print its profile, then stop cleanly on SIGINT. */
function serveThenStop(line: string, cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((done, fail) => {
    const child = spawn('/bin/sh', ['-c', `exec ${line}`], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      try {
        JSON.parse(stdout);
        child.kill('SIGINT');
      } catch {
        // not all of the profile yet
      }
    });
    child.stderr.resume();
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout }));
  });
}

describe('--help examples', () => {
  for (const name of commands) {
    it(`custsync ${name || '(no command)'} --help ends with examples that run as written`, async () => {
      const help = await runCli([...name.split(' ').filter(Boolean), '--help']);
      expect(help.code).toBe(0);
      const examples = examplesOf(help.stdout);
      const cwd = tempDir();
      copyFileSync(resolve(import.meta.dirname, '../../profiles.example.json'), join(cwd, 'profiles.example.json'));
      const env = { PATH: onPath.path, HOME: cwd, CI: 'true', CUSTSYNC_CONFIG_DIR: join(cwd, 'config') };
      for (const example of examples) {
        if (/^custsync sandbox /.test(example)) {
          const served = await serveThenStop(example, cwd, env);
          expect(served.code, example).toBe(0);
          expect(Object.keys((JSON.parse(served.stdout) as { profiles: object }).profiles)[0]).toMatch(/^sandbox-\w+-\d+$/);
          continue;
        }
        const result = await runShell(example, { cwd, env });
        // `--exit-code` says whether there were differences: 0 or 1 is the command working.
        const allowed = example.includes('--exit-code') || example.includes('--rejects') || example.includes('push --to sandbox:') ? [0, 1] : [0];
        expect(allowed, `${example}\nexit ${result.code}\n${result.stderr}`).toContain(result.code);
      }
    }, 180_000);
  }
});
