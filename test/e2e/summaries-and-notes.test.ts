import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';

let dir: string;
let profiles: string;
let propeller: EmulatorHandle;
let spiffy: EmulatorHandle;
beforeAll(async () => {
  dir = tempDir();
  propeller = await startEmulator('propeller', { customers: 0 });
  spiffy = await startEmulator('spiffy', { customers: 12, seed: 4 });
  profiles = writeProfiles(dir, {
    prop: propeller.profile,
    shop: spiffy.profile,
    down: { dialect: 'spiffy', baseUrl: 'http://127.0.0.1:9', auth: { type: 'bearer', token: 'not-a-token' }, retries: 0 },
  });
  const pulled = await runCli(['pull', '--from', 'sandbox:resultset', '--format', 'jsonl', '--limit', '20']);
  writeFileSync(join(dir, 'src.jsonl'), pulled.stdout);
});
afterAll(async () => {
  await propeller.close();
  await spiffy.close();
});

describe('--summary-format json / --json', () => {
  it('push: the summary is one JSON object on the last line of stderr', async () => {
    const result = await runCli(['push', '--to', 'jsonl:out.jsonl', '--input', 'src.jsonl', '--json'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(JSON.parse(lastLine(result.stderr))).toEqual({ command: 'push', read: 20, created: 20, updated: 0, unchanged: 0, rejected: 0, failed: 0, exitCode: 0 });
    expect(result.stderr).not.toContain('read 20 · created');
  });

  it('pull and search: {read}; after the other lines', async () => {
    const pull = await runCli(['pull', '--from', 'shop', '--profiles', profiles, '--summary-format', 'json'], { cwd: dir });
    expect(JSON.parse(lastLine(pull.stderr))).toEqual({ command: 'pull', read: 12, exitCode: 0 });
    expect(pull.stderr.split('\n')[0]).toBe('pull: reading from shop (spiffy)');
    const search = await runCli(['search', '--in', 'shop', '--profiles', profiles, '--email', 'nobody@nowhere.example', '--json'], { cwd: dir });
    expect(search.stderr).toBe(`no customers match\n${JSON.stringify({ command: 'search', read: 0, exitCode: 0 })}\n`);
  });

  it('a failed run: the counts so far, the exit code and the error, still last', async () => {
    const result = await runCli(['migrate', '--from', 'jsonl:src.jsonl', '--to', 'down', '--profiles', profiles, '--json'], { cwd: dir });
    expect(result.code).toBe(3);
    const summary = JSON.parse(lastLine(result.stderr)) as Record<string, unknown>;
    expect(summary).toMatchObject({ command: 'migrate', read: expect.any(Number), exitCode: 3, error: expect.stringContaining('127.0.0.1:9') });
    expect(summary.run).toEqual(expect.any(Number));
  });

  it('a usage error: exit code and error', async () => {
    const result = await runCli(['diff', '--from', 'shop', '--profiles', profiles, '--json'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(JSON.parse(lastLine(result.stderr))).toEqual({ command: 'diff', exitCode: 2, error: 'diff needs --to DST or --since-last' });
  });
});

describe('diff --quiet, as cron runs it', () => {
  it('prints the changes when there are some, and nothing at all when there are none', async () => {
    const args = ['diff', '--from', 'shop', '--profiles', profiles, '--since-last', '--exit-code', '--quiet', '--state', 'cron-state'];
    const first = await runCli(args, { cwd: dir });
    expect(first.code).toBe(1);
    expect(first.stdout.split('\n').filter((l) => l.startsWith('+ '))).toHaveLength(12);
    expect(first.stderr).toBe('added 12 · removed 0 · changed 0 · unchanged 0\n');
    const second = await runCli(args, { cwd: dir });
    expect(second).toEqual({ code: 0, stdout: '', stderr: '' });
    const json = await runCli([...args, '--json'], { cwd: dir });
    expect(JSON.parse(json.stderr)).toEqual({ command: 'diff', added: 0, removed: 0, changed: 0, unchanged: 12, exitCode: 0 });
  });
});

describe('search --format table piped', () => {
  it('never cuts a cell: a long one is written whole and the rest of its line moves right', async () => {
    const long = 'a.very.long.address.that.does.not.fit@subdomain.example.com';
    writeFileSync(join(dir, 'long.jsonl'), `${JSON.stringify({ key: 'k1', email: long, firstName: 'Ann', lastName: 'Lee', addresses: [], groups: [], custom: {} })}\n`);
    const result = await runCli(['search', '--in', 'jsonl:long.jsonl'], { cwd: dir });
    expect(result.code).toBe(0);
    const [header, row] = result.stdout.split('\n');
    // The header is today's, byte for byte.
    expect(header).toBe(`${'KEY'.padEnd(14)}  ${'EMAIL'.padEnd(36)}  ${'NAME'.padEnd(26)}  ${'COMPANY'.padEnd(24)}  ${'CITY'.padEnd(18)}  GROUPS`);
    expect(row).toBe(`${'k1'.padEnd(14)}  ${long}  Ann Lee`);
    expect(result.stdout).not.toContain('…');
  });

  it('an empty result: the header on stdout as before, "no customers match" on stderr', async () => {
    const result = await runCli(['search', '--in', 'jsonl:long.jsonl', '--email', 'nobody@nowhere.example'], { cwd: dir });
    expect(result.stdout).toMatch(/^KEY +EMAIL +NAME +COMPANY +CITY +GROUPS\n$/);
    expect(result.stderr).toBe('no customers match\nread 0\n');
  });
});

describe('"cannot hold" notes', () => {
  it('migrate shows them once per source → target pair, as one compact block', async () => {
    const args = ['migrate', '--from', 'jsonl:src.jsonl', '--to', 'prop', '--profiles', profiles, '--state', 'notes-state'];
    const first = await runCli(args, { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stderr.split('\n');
    const head = lines.findIndex((l) => /^note: prop cannot hold \d+ fields that records of jsonl:src\.jsonl have/.test(l));
    expect(head, first.stderr).toBeGreaterThanOrEqual(0);
    // The fields follow on a few indented lines, with their counts.
    const block = lines.slice(head + 1).filter((l) => l.startsWith('  '));
    expect(block.length).toBeGreaterThan(0);
    expect(block.length).toBeLessThanOrEqual(5);
    expect(block.join(' ')).toMatch(/company \(\d+\)/);
    expect(lines.filter((l) => /cannot hold/.test(l))).toHaveLength(1);
    const again = await runCli(args, { cwd: dir });
    expect(again.stderr).not.toContain('cannot hold');
    expect(again.stderr).toContain('unchanged 20');
  });

  it('push shows them too', async () => {
    const result = await runCli(['push', '--to', 'prop', '--profiles', profiles, '--input', 'src.jsonl', '--state', 'push-state'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^note: prop cannot hold \d+ fields that records of src\.jsonl have/m);
  });
});
