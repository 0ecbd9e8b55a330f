import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateCustomer, generateCustomers } from '../../src/emulator/generator.js';
import { runCli, tempDir } from '../helpers/cli.js';

describe('diff between two file systems', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    const base = [...generateCustomers(20, 3)];
    const older = base.slice(0, 19);
    const newer = base.filter((c) => c.key !== 'C000004').map((c) => {
      if (c.key !== 'C000002') return c;
      const billing = c.addresses.find((a) => a.kind === 'billing')!;
      return { ...c, lastName: 'Changed', groups: [...c.groups, 'new-group'], addresses: [{ ...billing, city: 'Elsewhere' }, ...c.addresses.filter((a) => a !== billing)], updatedAt: '2030-01-01T00:00:00.000Z' };
    });
    // Matching by email ignores keys: give the older side other keys. Ids the target set for
    // itself (here externalId) are not differences: a migration never clears what it does not send.
    writeFileSync(join(dir, 'older.jsonl'), older.map((c) => JSON.stringify({ ...c, key: `old-${c.key}`, externalId: `T-${c.key}` })).join('\n'));
    writeFileSync(join(dir, 'newer.jsonl'), newer.map((c) => JSON.stringify(c)).join('\n'));
  });

  it('text: + added, - removed, ~ changed with field: from -> to lines', async () => {
    const result = await runCli(['diff', '--from', 'jsonl:newer.jsonl', '--to', 'jsonl:older.jsonl'], { cwd: dir });
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('+ '))).toEqual([expect.stringMatching(/^\+ C000020 \S+@/)]);
    expect(lines.filter((l) => l.startsWith('- '))).toEqual([expect.stringMatching(/^- old-C000004 \S+@/)]);
    expect(lines.filter((l) => l.startsWith('~ '))).toEqual([expect.stringMatching(/^~ C000002 /)]);
    expect(result.stdout).toMatch(/\n {4}lastName: "[^"]+" -> "Changed"\n/);
    expect(result.stdout).toMatch(/\n {4}addresses\[billing\]\.city: "[^"]+" -> "Elsewhere"\n/);
    expect(result.stdout).toMatch(/\n {4}groups: .* -> ".*new-group.*"\n/);
    // Timestamps a target sets itself are not differences between systems.
    expect(result.stdout).not.toContain('updatedAt');
    expect(result.stdout).not.toContain('externalId');
    expect(result.stderr).toContain('added 1 · removed 1 · changed 1 · unchanged 17');
  });

  it('json: one document with added, removed, changed and unchanged', async () => {
    const result = await runCli(['diff', '--from', 'jsonl:newer.jsonl', '--to', 'jsonl:older.jsonl', '--format', 'json'], { cwd: dir });
    const doc = JSON.parse(result.stdout) as { added: Array<{ key: string }>; removed: Array<{ key: string }>; changed: Array<{ key: string; changes: Array<{ field: string; from: string; to: string }> }>; unchanged: number };
    expect(doc.added.map((c) => c.key)).toEqual(['C000020']);
    expect(doc.removed.map((c) => c.key)).toEqual(['old-C000004']);
    expect(doc.changed[0].key).toBe('C000002');
    expect(doc.changed[0].changes).toContainEqual(expect.objectContaining({ field: 'lastName', to: 'Changed' }));
    expect(doc.unchanged).toBe(17);
  });

  it('csv: change,key,email,field,from,to', async () => {
    const result = await runCli(['diff', '--from', 'jsonl:newer.jsonl', '--to', 'jsonl:older.jsonl', '--format', 'csv'], { cwd: dir });
    const rows = result.stdout.trim().split('\n');
    expect(rows[0]).toBe('change,key,email,field,from,to');
    expect(rows.filter((r) => r.startsWith('changed,C000002,')).length).toBeGreaterThanOrEqual(3);
  });

  it('--exit-code: 1 with differences, 0 without', async () => {
    const differs = await runCli(['diff', '--from', 'jsonl:newer.jsonl', '--to', 'jsonl:older.jsonl', '--exit-code'], { cwd: dir });
    expect(differs.code).toBe(1);
    const same = await runCli(['diff', '--from', 'jsonl:newer.jsonl', '--to', 'jsonl:newer.jsonl', '--exit-code', '--key', 'key'], { cwd: dir });
    expect(same.code).toBe(0);
    expect(same.stdout).toBe('');
    expect(same.stderr).toContain('unchanged 19');
  });

  it('needs --to or --since-last', async () => {
    const result = await runCli(['diff', '--from', 'jsonl:newer.jsonl'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--to DST or --since-last');
  });
});

describe('diff --since-last', () => {
  it('first run reports everything added; the next only what changed since, then stores the new snapshot', async () => {
    const dir = tempDir();
    const base = [...generateCustomers(12, 9)];
    const write = (records: typeof base) => writeFileSync(join(dir, 'shop.jsonl'), records.map((c) => JSON.stringify(c)).join('\n'));
    write(base);
    const args = ['diff', '--from', 'jsonl:shop.jsonl', '--since-last', '--state', join(dir, 'state')];
    const first = await runCli(args, { cwd: dir });
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split('\n').filter((l) => l.startsWith('+ '))).toHaveLength(12);

    const quiet = await runCli([...args, '--exit-code'], { cwd: dir });
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toBe('');

    write([...base.slice(1, 11).map((c) => (c.key === 'C000005' ? { ...c, email: 'moved@example.com', passwordHash: 'h2' } : c)), generateCustomer(20, 9)]);
    const second = await runCli([...args, '--exit-code'], { cwd: dir });
    expect(second.code).toBe(1);
    const lines = second.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('+ '))).toEqual([expect.stringMatching(/^\+ C000021 /)]);
    expect(lines.filter((l) => l.startsWith('- ')).map((l) => l.split(' ')[1]).sort()).toEqual(['C000001', 'C000012']);
    expect(lines.filter((l) => l.startsWith('~ '))).toEqual([expect.stringMatching(/^~ C000005 moved@example.com/)]);
    expect(second.stdout).toContain('email: ');
    // A password hash is compared by digest and never printed.
    expect(second.stdout).not.toContain('h2');

    const third = await runCli([...args, '--exit-code'], { cwd: dir });
    expect(third.code).toBe(0);
  });
});
