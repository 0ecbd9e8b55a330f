import { XMLParser } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { startSpiffyEmulator, type SpiffyEmulatorHandle } from '../../src/dialects/spiffy/emulator.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';

/**
 * Mapping checks that do not go through the mapping under test: after a
 * migrate, the fields as each emulator stores them (Spiffy's JSON, ResultSet's
 * XML columns) are compared with the source's own wire fields. A `diff`
 * projects both sides through the same mapping, so a bug symmetric in both
 * directions (e.g. `no_email` read and written inverted) is invisible to it;
 * here it is not. Each compared field is guarded to take more than one value
 * in the data, so a constant cannot pass.
 */
const running: EmulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.close()));
});

interface RsCustomer {
  username: string;
  email?: string;
  b_fname?: string;
  b_lname?: string;
  phone_day?: string;
  no_email?: string;
  inactive?: string;
  UserCustomerGroup?: Array<{ group_code: string }>;
}

/** Every `<Customer>` the ResultSet emulator stores, as its raw columns (no custsync code involved). */
async function resultsetStore(handle: EmulatorHandle): Promise<RsCustomer[]> {
  const auth = handle.profile.auth as { username: string; password: string };
  const response = await fetch(`${handle.url}/API/V3/Customer+UserCustomerGroups?limit=1000`, {
    headers: { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` },
  });
  expect(response.status).toBe(200);
  const parsed = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'Customer' || name === 'UserCustomerGroup' }).parse(await response.text()) as {
    ResultSet: { Customer?: RsCustomer[] };
  };
  return parsed.ResultSet.Customer ?? [];
}

const tagsOf = (tags: string | null | undefined) => (tags ?? '').split(',').map((t) => t.trim()).filter(Boolean).sort();
const lower = (text: string | null | undefined) => (text ?? '').toLowerCase();

/** Guards that a compared field is not the same for every record. */
function expectVaried(values: unknown[], what: string): void {
  expect(new Set(values.map((v) => JSON.stringify(v))).size, `${what} takes more than one value`).toBeGreaterThan(1);
}

async function migrate(from: EmulatorHandle, to: EmulatorHandle): Promise<void> {
  const dir = tempDir();
  const profiles = writeProfiles(dir, { src: from.profile, dst: to.profile });
  const result = await runCli(['migrate', '--from', 'src', '--to', 'dst', '--profiles', profiles, '--state', 'state'], { cwd: dir });
  expect(result.code, result.stderr).toBe(0);
}

describe('wire-level fields after a migrate', () => {
  it('spiffy → resultset: accepts_marketing false is no_email 1, names, phone, tags as groups, disabled and declined as inactive (docs/dialects/resultset.md)', async () => {
    const source = await startSpiffyEmulator({ customers: 30, seed: 12, rateLimit: { limit: 1_000_000 } });
    const target = await startEmulator('resultset', { customers: 0, seed: 12 });
    running.push(source, target);
    await migrate(source, target);
    const spiffy = source.customers();
    const stored = await resultsetStore(target);
    expect(stored).toHaveLength(spiffy.length);
    expectVaried(spiffy.map((c) => c.accepts_marketing), 'accepts_marketing');
    expectVaried(spiffy.map((c) => tagsOf(c.tags)), 'tags');
    expectVaried(spiffy.map((c) => c.state), 'state');
    for (const c of spiffy) {
      const r = stored.find((s) => lower(s.email) === lower(c.email));
      expect(r, `${c.email} on resultset`).toBeDefined();
      const label = `${c.email}`;
      if (typeof c.accepts_marketing === 'boolean') expect(r!.no_email, `${label} no_email`).toBe(c.accepts_marketing ? '0' : '1');
      expect(r!.b_fname, `${label} b_fname`).toBe(c.first_name ?? undefined);
      expect(r!.b_lname, `${label} b_lname`).toBe(c.last_name ?? undefined);
      const phone = c.addresses?.find((a) => a.default)?.phone ?? undefined;
      if (phone) expect(r!.phone_day, `${label} phone_day`).toBe(phone);
      expect((r!.UserCustomerGroup ?? []).map((g) => g.group_code).sort(), `${label} groups`).toEqual(tagsOf(c.tags));
      if (c.state) expect(r!.inactive, `${label} inactive (${c.state})`).toBe(['disabled', 'declined'].includes(c.state) ? '1' : '0');
    }
  });

  it('resultset → spiffy: no_email 1 is accepts_marketing false, names, groups as tags', async () => {
    const source = await startEmulator('resultset', { customers: 30, seed: 13 });
    const target = (await startSpiffyEmulator({ customers: 0, seed: 13, rateLimit: { limit: 1_000_000 } })) as SpiffyEmulatorHandle;
    running.push(source, target);
    const before = await resultsetStore(source);
    await migrate(source, target);
    const spiffy = target.customers();
    expect(spiffy).toHaveLength(before.length);
    expectVaried(before.map((c) => c.no_email), 'no_email');
    expectVaried(before.map((c) => (c.UserCustomerGroup ?? []).map((g) => g.group_code)), 'groups');
    for (const r of before) {
      const c = spiffy.find((s) => lower(s.email) === lower(r.email));
      expect(c, `${r.email} on spiffy`).toBeDefined();
      const label = `${r.email}`;
      if (r.no_email === '1' || r.no_email === '0') expect(c!.accepts_marketing, `${label} accepts_marketing`).toBe(r.no_email === '0');
      expect(c!.first_name ?? undefined, `${label} first_name`).toBe(r.b_fname);
      expect(c!.last_name ?? undefined, `${label} last_name`).toBe(r.b_lname);
      expect(tagsOf(c!.tags), `${label} tags`).toEqual((r.UserCustomerGroup ?? []).map((g) => g.group_code).sort());
    }
  });
});
