import { afterEach, describe, expect, it } from 'vitest';
import type { Customer } from '../../src/core/customer.js';
import type { EmulatorHandle, EmulatorOptions, ListRequestEvent } from '../../src/emulator/types.js';
import type { PropellerEmulatorHandle } from '../../src/dialects/propeller/emulator.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';

/**
 * Reads that lose nothing (issue 10), per dialect, through the CLI against
 * the emulators: customers created and deleted between the page requests
 * (the emulators' `beforeList` hook), concurrent paging over odd totals and
 * empty pages, the output order, `--limit`, and the profile's rate limit.
 */
const running: EmulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

interface DialectCase {
  id: 'spiffy' | 'cabinetry' | 'resultset' | 'propeller';
  /** The page size the profile asks for (small, so that a few hundred customers make many pages). */
  pageSize: number;
  /** How the list orders customers: by numeric id, or as created. */
  order: 'id' | 'created';
  /**
   * Most list requests a read of `pages` pages may make: a page or so more than the pages themselves
   * (a count, a probe per window, overlaps); Propeller's creation-time windows cut an unknown spread
   * of creation times, empty stretches and windows cut again included.
   */
  maxLists(pages: number, concurrency: number): number;
  /** Most list requests of `--limit 15` (two pages), and of `--limit 5` with a condition left to the client. */
  limitLists: { plain: number; filtered: number };
}

const pagesAndProbes = (pages: number, concurrency: number) => Math.ceil(pages * 1.35) + concurrency + 3;
const cases: DialectCase[] = [
  { id: 'spiffy', pageSize: 10, order: 'id', maxLists: pagesAndProbes, limitLists: { plain: 3, filtered: 4 * 4 + 4 } },
  { id: 'cabinetry', pageSize: 10, order: 'id', maxLists: pagesAndProbes, limitLists: { plain: 3, filtered: 4 * 4 + 4 } },
  { id: 'resultset', pageSize: 10, order: 'created', maxLists: pagesAndProbes, limitLists: { plain: 3, filtered: 4 * 4 + 4 } },
  // Ids go up with the creation time (as the platform hands them out), so creation order is id order.
  { id: 'propeller', pageSize: 10, order: 'id', maxLists: (pages, concurrency) => pages * 3 + 16 + concurrency, limitLists: { plain: 40, filtered: 40 } },
];

async function start(dialect: DialectCase, customers: number, extra: EmulatorOptions = {}): Promise<EmulatorHandle> {
  // Spiffy's own X-Ratelimit window is out of the way here (it has its own test).
  const options = { customers, seed: 3, ...extra, ...(dialect.id === 'spiffy' ? { rateLimit: { limit: 1_000_000 } } : {}) } as EmulatorOptions;
  const handle = await startEmulator(dialect.id, options);
  running.push(handle);
  return handle;
}

async function pull(handle: EmulatorHandle, dialect: DialectCase, args: string[], profile: Record<string, unknown> = {}) {
  const dir = tempDir();
  const profiles = writeProfiles(dir, { shop: { ...handle.profile, pageSize: dialect.pageSize, ...profile } });
  const result = await runCli(['pull', '--from', 'shop', '--profiles', profiles, '--format', 'jsonl', ...args], { cwd: dir });
  const records = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Customer);
  return { ...result, records, keys: records.map((r) => r.key) };
}

/** Every key of `stayed` exactly once, and no key twice. */
function exactlyOnce(keys: string[], stayed: string[]): { missing: string[]; twice: string[] } {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return { missing: stayed.filter((k) => !counts.has(k)), twice: [...counts].filter(([, n]) => n > 1).map(([k]) => k) };
}

/** List requests so far: Propeller's are searches (POST, as its token requests are), the others' GETs. */
const listRequests = (handle: EmulatorHandle) =>
  'tokenRequests' in handle ? (handle.stats().byMethod.POST ?? 0) - (handle as PropellerEmulatorHandle).tokenRequests() : (handle.stats().byMethod.GET ?? 0);
/** Propeller's address reads (one GET a customer); 0 elsewhere. */
const addressReads = (handle: EmulatorHandle) => ('tokenRequests' in handle ? (handle.stats().byMethod.GET ?? 0) : 0);

for (const dialect of cases) {
  describe(`${dialect.id}: reads that lose nothing`, () => {
    it('a plain page loop would lose these: customers of the first page deleted after it was served arrive exactly once', async () => {
      // The case: 200 customers, 10 of page 1 deleted after page 1 was served.
      const deleted: string[] = [];
      let original: string[] = [];
      const handle = await start(dialect, 200, {
        beforeList: ({ n, base }: ListRequestEvent) => {
          if (n === 1) original = base.keys();
          if (n === 2) for (const key of base.keys().slice(0, 10)) if (base.remove(key)) deleted.push(key);
        },
      });
      const result = await pull(handle, dialect, ['--concurrency', '1']);
      expect(result.code, result.stderr).toBe(0);
      expect(deleted).toHaveLength(10);
      const stayed = original.filter((k) => !deleted.includes(k));
      expect(exactlyOnce(result.keys, stayed)).toEqual({ missing: [], twice: [] });
      expect(result.stderr).toMatch(/read (19\d|200)\n/);
    });

    it('nothing lost, nothing twice while customers are created, changed and deleted between every page, at any concurrency', async () => {
      for (const concurrency of [2, 4, 8]) {
        const deleted = new Set<string>();
        let original: string[] = [];
        const handle = await start(dialect, 301, {
          beforeList: ({ n, base }: ListRequestEvent) => {
            if (n === 1) {
              original = base.keys();
              return;
            }
            const keys = base.keys();
            // One customer near the front (every later position shifts), one further on, one change, one sign-up.
            for (const at of [(n * 7) % 40, (n * 53) % Math.max(1, keys.length)]) {
              const key = keys[at];
              if (key !== undefined && base.remove(key)) deleted.add(key);
            }
            base.touch(keys[(n * 31) % keys.length]);
            base.create(1);
          },
        });
        const result = await pull(handle, dialect, ['--concurrency', String(concurrency)]);
        expect(result.code, result.stderr).toBe(0);
        expect(deleted.size).toBeGreaterThan(20);
        const stayed = original.filter((k) => !deleted.has(k));
        expect(exactlyOnce(result.keys, stayed), `concurrency ${concurrency}`).toEqual({ missing: [], twice: [] });
        // The source's order: what stayed comes in the order the list has it.
        const position = new Map(stayed.map((k, i) => [k, i]));
        const kept = result.keys.filter((k) => position.has(k));
        expect(kept).toEqual(stayed);
        if (dialect.order === 'id') expect(result.keys.map(Number)).toEqual([...result.keys.map(Number)].sort((a, b) => a - b));
        await handle.close();
      }
    });

    it('reads odd totals, a total that is a whole number of pages, and an empty base, concurrently and in order', async () => {
      for (const [customers, concurrency] of [[0, 4], [1, 4], [40, 3], [97, 8], [233, 4]] as const) {
        const handle = await start(dialect, customers);
        const dir = tempDir();
        void dir;
        const expected = (await pull(handle, dialect, ['--concurrency', '1'])).keys;
        expect(expected).toHaveLength(customers);
        const before = listRequests(handle);
        const result = await pull(handle, dialect, ['--concurrency', String(concurrency)]);
        expect(result.code, result.stderr).toBe(0);
        expect(result.keys, `${customers} customers, concurrency ${concurrency}`).toEqual(expected);
        expect(result.stderr).toContain(`read ${customers}\n`);
        // A page or so more than the pages themselves: a count, a probe per window, overlaps.
        const pages = Math.max(1, Math.ceil(customers / dialect.pageSize));
        expect(listRequests(handle) - before).toBeLessThanOrEqual(dialect.maxLists(pages, concurrency));
        // Propeller: one address read a customer, none twice.
        if (dialect.id === 'propeller') expect(addressReads(handle)).toBe(2 * customers);
        await handle.close();
      }
    });

    it('--limit stops early without fetching far ahead, with or without a condition left to the client', async () => {
      const handle = await start(dialect, 600);
      const all = (await pull(handle, dialect, ['--concurrency', '1'])).keys;
      const addressesAfterAll = addressReads(handle);
      let before = listRequests(handle);
      const limited = await pull(handle, dialect, ['--concurrency', '8', '--limit', '15']);
      expect(limited.code, limited.stderr).toBe(0);
      expect(limited.keys).toEqual(all.slice(0, 15));
      // 15 customers are two pages of 10: nothing more is asked for (Propeller: the windows of the oldest customers).
      expect(listRequests(handle) - before).toBeLessThanOrEqual(dialect.limitLists.plain);
      if (dialect.id === 'propeller') expect(addressReads(handle) - addressesAfterAll).toBeLessThanOrEqual(15 + 8);
      const addressesBefore = addressReads(handle);

      before = listRequests(handle);
      const filtered = await pull(handle, dialect, ['--concurrency', '4', '--limit', '5', '--where', 'key != nobody']);
      expect(filtered.code, filtered.stderr).toBe(0);
      expect(filtered.keys).toEqual(all.slice(0, 5));
      // 60 pages in the base; the read stops within a few pages per request in flight.
      expect(listRequests(handle) - before).toBeLessThanOrEqual(dialect.limitLists.filtered);
      if (dialect.id === 'propeller') expect(addressReads(handle) - addressesBefore).toBeLessThanOrEqual(5 + 4);
    });
  });
}

describe('propeller: creation-time windows', () => {
  it('a bulk import (more than a page created in one second) is read by position, exactly once, while customers come and go', async () => {
    const dialect = cases[3];
    // The emulator's clock held still: everything created during the read shares one second.
    const still = Date.parse('2026-03-01T10:00:00Z');
    const deleted = new Set<string>();
    let original: string[] = [];
    let imported: string[] = [];
    const handle = await start(dialect, 40, {
      clock: () => still,
      beforeList: ({ n, base }: ListRequestEvent) => {
        if (n === 1) {
          imported = base.create(235);
          original = base.keys();
          return;
        }
        // Deletes among the import (every later position in its second shifts) and new sign-ups in the same second.
        const keys = base.keys().filter((k) => imported.includes(k));
        const key = keys[(n * 7) % Math.max(1, keys.length)];
        if (key !== undefined && base.remove(key)) deleted.add(key);
        base.create(1);
      },
    });
    const result = await pull(handle, dialect, ['--concurrency', '4', '--verbose']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/by position/);
    expect(deleted.size).toBeGreaterThan(5);
    const stayed = original.filter((k) => !deleted.has(k));
    expect(exactlyOnce(result.keys, stayed)).toEqual({ missing: [], twice: [] });
    expect(result.keys.map(Number)).toEqual([...result.keys.map(Number)].sort((a, b) => a - b));
  });

});

describe('rate limits while reading concurrently', () => {
  it("never exceeds the profile's rateLimit, whatever the concurrency (the emulator counts)", async () => {
    const dialect = cases[1];
    const handle = await start(dialect, 400);
    const result = await pull(handle, dialect, ['--concurrency', '8'], { rateLimit: { perSecond: 20, burst: 4 } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.keys).toHaveLength(400);
    const stats = handle.stats();
    expect(stats.requests).toBeGreaterThan(40);
    // At most burst + perSecond calls in any one second, as sent. The emulator sees arrivals, which a
    // busy machine can bunch by a few calls (a blocked event loop serves what queued at once): 3 allowed.
    // Without the bucket, concurrency 8 at no latency sends hundreds a second.
    expect(stats.peakPerSecond).toBeLessThanOrEqual(4 + 20 + 3);
    // Over the whole read the bunching evens out: after the burst, no more than perSecond on average.
    const seconds = (stats.lastAt - stats.firstAt) / 1000;
    expect(stats.requests - 4).toBeLessThanOrEqual(20 * seconds + 3);
  });

  it("uses Spiffy's X-Ratelimit window to its end without a single 429 at concurrency 8", async () => {
    const handle = await startEmulator('spiffy', { customers: 300, seed: 3, rateLimit: { limit: 12, periodSeconds: 1 } } as EmulatorOptions);
    running.push(handle);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { shop: { ...handle.profile, pageSize: 10 } });
    const result = await runCli(['pull', '--from', 'shop', '--profiles', profiles, '--format', 'jsonl', '--concurrency', '8'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(300);
    const spiffy = handle as EmulatorHandle & { rateLimited(): number; windows(): Array<{ used: number; refused: number }> };
    expect(spiffy.rateLimited()).toBe(0);
    // 30 pages and more in windows of 12: several windows, each filled to the limit and not beyond.
    const windows = spiffy.windows();
    expect(windows.length).toBeGreaterThanOrEqual(3);
    expect(windows.every((w) => w.used <= 12 && w.refused === 0)).toBe(true);
  });
});
