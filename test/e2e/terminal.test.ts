import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';
import { custsync, framesMatching, runInPty, screen } from '../helpers/pty.js';

/** The CLI at a terminal (a pseudo-terminal from util-linux `script`), against the same commands piped. */
let dir: string;
let profiles: string;
let shop: EmulatorHandle;
beforeAll(async () => {
  dir = tempDir();
  // Slow enough (8 pages, 150 ms each) that the display draws more than one frame.
  shop = await startEmulator('spiffy', { customers: 400, seed: 1, latencyMs: 150 });
  profiles = writeProfiles(dir, { shop: { ...shop.profile, pageSize: 50 } });
});
afterAll(() => shop.close());

const cursorShownAtEnd = (output: string) => output.lastIndexOf('\u001b[?25h') >= output.lastIndexOf('\u001b[?25l');

describe('progress on a terminal', () => {
  it('pull -o FILE: the live area counts up to the total, is erased at the end, and the file is the piped output byte for byte', async () => {
    const result = await runInPty(custsync('pull', '--from', 'shop', '--profiles', profiles, '-o', 'tty.csv'), { cwd: dir });
    expect(result.code, result.output).toBe(0);
    const frames = framesMatching(result.output, /read \d+\/400/);
    expect(frames.length, result.output).toBeGreaterThanOrEqual(2);
    // The count goes up frame by frame towards the total (a fast read may end between two frames).
    const counts = frames.map((frame) => Number(/read (\d+)\/400/.exec(frame)![1]));
    expect(counts.at(-1)!).toBeGreaterThan(counts[0]);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    // Nothing of the display is left: the phase line and the summary.
    expect(screen(result.output)).toEqual(['pull: reading from shop (spiffy)', 'read 400']);
    expect(cursorShownAtEnd(result.output)).toBe(true);
    const piped = await runCli(['pull', '--from', 'shop', '--profiles', profiles]);
    expect(piped.stderr).toBe('pull: reading from shop (spiffy)\nread 400\n');
    expect(readFileSync(join(dir, 'tty.csv'), 'utf8')).toBe(piped.stdout);
  });

  it('stdout redirected at a terminal: the data is untouched by the display on stderr', async () => {
    const result = await runInPty(`${custsync('pull', '--from', 'shop', '--profiles', profiles, '--format', 'jsonl', '--limit', '120')} > redirected.jsonl`, { cwd: dir });
    expect(result.code).toBe(0);
    expect(framesMatching(result.output, /read \d+\/120/).length).toBeGreaterThanOrEqual(1);
    const piped = await runCli(['pull', '--from', 'shop', '--profiles', profiles, '--format', 'jsonl', '--limit', '120']);
    expect(readFileSync(join(dir, 'redirected.jsonl'), 'utf8')).toBe(piped.stdout);
  });

  it('TERM=dumb and a 0 × 0 terminal get the plain lines, never a live area', async () => {
    for (const run of [
      runInPty(custsync('pull', '--from', 'shop', '--profiles', profiles, '-o', 'dumb.csv'), { cwd: dir, env: { TERM: 'dumb' } }),
      runInPty(custsync('pull', '--from', 'shop', '--profiles', profiles, '-o', 'zero.csv'), { cwd: dir, cols: 0, rows: 0 }),
    ]) {
      const result = await run;
      expect(result.code).toBe(0);
      expect(result.output).not.toContain('\u001b[2K');
      expect(result.output.replace(/\r\n/g, '\n')).toBe('pull: reading from shop (spiffy)\nread 400\n');
    }
  });

  it('--no-progress and CI at a terminal: plain lines', async () => {
    const quiet = await runInPty(custsync('pull', '--from', 'shop', '--profiles', profiles, '-o', 'np.csv', '--no-progress'), { cwd: dir });
    expect(quiet.output.replace(/\r\n/g, '\n')).toBe('pull: reading from shop (spiffy)\nread 400\n');
    const ci = await runInPty(custsync('pull', '--from', 'shop', '--profiles', profiles, '-o', 'ci.csv'), { cwd: dir, env: { CI: 'true' } });
    expect(ci.output.replace(/\r\n/g, '\n')).toBe('pull: reading from shop (spiffy)\nread 400\n');
  });
});

describe('the search view', () => {
  it('a table sized to the terminal, the count and the time, and nothing left of the live area', async () => {
    const result = await runInPty(custsync('search', '--in', 'shop', '--profiles', profiles, '--where', 'email ~ .1'), { cwd: dir, cols: 80 });
    expect(result.code, result.output).toBe(0);
    const shown = screen(result.output);
    const piped = await runCli(['search', '--in', 'shop', '--profiles', profiles, '--where', 'email ~ .1', '--format', 'jsonl']);
    const matches = piped.stdout.trim().split('\n').length;
    expect(matches).toBeGreaterThan(5);
    expect(shown[0]).toMatch(/^KEY +EMAIL +NAME/);
    expect(shown).toHaveLength(matches + 3);
    expect(shown.at(-2)).toMatch(new RegExp(`^${matches} customers match · \\d+s$`));
    expect(shown.at(-1)).toBe(`read ${matches}`);
    // Sized to 80 columns: no line is longer, long emails are cut with … on the terminal.
    for (const line of shown) expect([...line].length).toBeLessThanOrEqual(80);
    expect(shown.some((line) => line.includes('…'))).toBe(true);
    expect(result.output).toContain('\u001b[1mKEY');
    expect(cursorShownAtEnd(result.output)).toBe(true);
  });

  it('no match: says so under the (empty) table', async () => {
    const result = await runInPty(custsync('search', '--in', 'shop', '--profiles', profiles, '--email', 'nobody@nowhere.example'), { cwd: dir });
    expect(result.code).toBe(0);
    expect(screen(result.output)).toEqual([expect.stringMatching(/^no customers match · \d+s$/), 'read 0']);
  });

  it('--format table at a terminal is the piped table, byte for byte', async () => {
    const args = ['search', '--in', 'shop', '--profiles', profiles, '--where', 'email ~ .1', '--format', 'table', '--no-progress'];
    const result = await runInPty(custsync(...args), { cwd: dir });
    const piped = await runCli(args);
    expect(result.output.replace(/\r\n/g, '\n')).toBe(`${piped.stdout}${piped.stderr}`);
  });
});

describe('the diff view', () => {
  let files: string;
  beforeAll(async () => {
    files = tempDir();
    const pulled = await runCli(['pull', '--from', 'sandbox:spiffy', '--format', 'jsonl', '--limit', '6']);
    const records = pulled.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    writeFileSync(join(files, 'older.jsonl'), records.slice(0, 5).map((r) => JSON.stringify(r)).join('\n'));
    const newer = records.slice(1).map((r, i) => (i === 0 ? { ...r, lastName: 'Changed' } : r));
    writeFileSync(join(files, 'newer.jsonl'), newer.map((r) => JSON.stringify(r)).join('\n'));
  });
  const args = () => ['diff', '--from', 'jsonl:newer.jsonl', '--to', 'jsonl:older.jsonl', '--key', 'key'];

  it('coloured markers and changes; the same lines as the piped text', async () => {
    const result = await runInPty(custsync(...args()), { cwd: files });
    expect(result.code, result.output).toBe(0);
    const piped = await runCli(args(), { cwd: files });
    expect(screen(result.output)).toEqual([...piped.stdout.trimEnd().split('\n'), piped.stderr.trim()]);
    expect(result.output).toMatch(/\u001b\[32m\+ /);
    expect(result.output).toMatch(/\u001b\[31m- /);
    expect(result.output).toMatch(/\u001b\[33m~ /);
    expect(result.output).toMatch(/lastName: \u001b\[31m"[^"]+"\u001b\[39m -> \u001b\[32m"Changed"/);
    expect(cursorShownAtEnd(result.output)).toBe(true);
  });

  it('NO_COLOR: no colour at all, the same lines', async () => {
    const result = await runInPty(custsync(...args()), { cwd: files, env: { NO_COLOR: '1' } });
    expect(result.output).not.toMatch(/\u001b\[3\dm/);
    const piped = await runCli(args(), { cwd: files });
    expect(screen(result.output)).toEqual([...piped.stdout.trimEnd().split('\n'), piped.stderr.trim()]);
  });

  it('--format json at a terminal is the piped document', async () => {
    const result = await runInPty(custsync(...args(), '--format', 'json', '--no-progress'), { cwd: files });
    const piped = await runCli([...args(), '--format', 'json'], { cwd: files });
    expect(result.output.replace(/\r\n/g, '\n')).toBe(`${piped.stdout}${piped.stderr}`);
  });
});

describe('push at a terminal without --input', () => {
  it('says it is reading stdin, then reads what is typed up to Ctrl-D', async () => {
    const result = await runInPty(custsync('push', '--to', 'jsonl:typed.jsonl'), {
      cwd: dir,
      type: (output) => (output.includes('push: reading customers from stdin') ? 'key,email\nk1,typed@example.com\n\u0004' : undefined),
    });
    expect(result.code, result.output).toBe(0);
    expect(screen(result.output)[0]).toBe('push: reading customers from stdin (CSV); end with Ctrl-D, or give --input FILE');
    expect(readFileSync(join(dir, 'typed.jsonl'), 'utf8')).toContain('"email":"typed@example.com"');
    const piped = await runCli(['push', '--to', 'jsonl:piped.jsonl'], { cwd: dir, input: 'key,email\nk1,typed@example.com\n' });
    expect(piped.stderr).not.toContain('reading customers from stdin');
  });
});
