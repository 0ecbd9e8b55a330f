import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCustomers } from '../../src/emulator/generator.js';
import { runCli, tempDir } from '../helpers/cli.js';

/** User mistakes are exit 2 with a message that names the mistake, never "a bug in custsync" (exit 3). */
function isUsageError(result: { code: number | null; stderr: string }): void {
  expect(result.code).toBe(2);
  expect(result.stderr).not.toContain('this is a bug');
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('user mistakes', () => {
  it('a directory as an input file', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'folder'));
    for (const args of [
      ['pull', '--from', 'jsonl:folder'],
      ['pull', '--from', 'csv:folder'],
      ['push', '--to', 'jsonl:out.jsonl', '--input', 'folder'],
      ['migrate', '--from', 'jsonl:folder', '--to', 'jsonl:out.jsonl', '--state', 'state'],
    ]) {
      const result = await runCli(args, { cwd: dir });
      isUsageError(result);
      expect(result.stderr).toContain('input file folder is a directory');
    }
  });

  it('a directory as an output file', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'folder'));
    writeFileSync(join(dir, 'in.jsonl'), JSON.stringify([...generateCustomers(1, 1)][0]));
    const pull = await runCli(['pull', '--from', 'jsonl:in.jsonl', '-o', 'folder'], { cwd: dir });
    isUsageError(pull);
    expect(pull.stderr).toContain('output file folder is a directory');
    const push = await runCli(['push', '--to', 'csv:folder', '--input', 'in.jsonl'], { cwd: dir });
    isUsageError(push);
    expect(push.stderr).toContain('target file folder is a directory');
  });

  it('a port outside 0..65535', async () => {
    for (const port of ['99999', '-1', '80.5']) {
      const result = await runCli(['sandbox', '--dialect', 'spiffy', '--port', port]);
      isUsageError(result);
      expect(result.stderr).toContain('--port must be a whole number from 0 to 65535');
    }
  });

  it('a --mapping constant its field cannot take is a file error at load, and nothing is written', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.jsonl'), [...generateCustomers(5, 1)].map((c) => JSON.stringify(c)).join('\n'));
    writeFileSync(join(dir, 'mapping.json'), JSON.stringify({ rules: [{ op: 'set', field: 'language', value: 'german' }] }));
    const result = await runCli(['migrate', '--from', 'jsonl:in.jsonl', '--to', 'jsonl:out.jsonl', '--mapping', 'mapping.json', '--state', 'state'], { cwd: dir });
    isUsageError(result);
    expect(result.stderr).toContain('mapping.json: rules[0].value: "german" must be an ISO 639-1 code like "en"');
    expect(existsSync(join(dir, 'out.jsonl'))).toBe(false);
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });
});
