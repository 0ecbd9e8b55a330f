import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Customer } from '../../src/core/customer.js';
import { matches, parseCondition, parseInstant } from '../../src/core/query.js';
import { generateCustomers } from '../../src/emulator/generator.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';
import { startEmulator } from '../helpers/emulator.js';

/**
 * Push-down equivalence: for every field and operator a dialect sends to its
 * API (docs/dialects/*.md, "Filters"), `pull --where` returns exactly what
 * filtering the whole base on the client returns, and the condition was
 * really sent (so a condition pushed to the wrong wire field, e.g. `phone` to
 * `phone_night`, returns other records and fails here). Every case selects
 * some records but not all, or it could not tell a wrong filter from none.
 */
const running: EmulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.close()));
});

const jsonl = (text: string): Customer[] => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Customer);

interface Case {
  /** `--where` expressions (and `--since ISO` as `since:ISO`). */
  where: string[];
  /** What the request must carry: a pattern over the `--verbose` request lines (none: the filter travels in a request body). */
  sent?: RegExp;
}

async function base(dialect: string, customers: number, profile: Record<string, unknown> = {}) {
  const handle = await startEmulator(dialect, { customers, seed: 11 });
  running.push(handle);
  const dir = tempDir();
  const profiles = writeProfiles(dir, { shop: { ...handle.profile, ...profile } });
  const pull = (args: string[]) => runCli(['pull', '--from', 'shop', '--profiles', profiles, '--format', 'jsonl', '--verbose', ...args], { cwd: dir });
  const everything = await pull([]);
  expect(everything.code, everything.stderr).toBe(0);
  const all = jsonl(everything.stdout);
  expect(all).toHaveLength(customers);
  return { handle, all, pull };
}

async function expectEquivalent(all: Customer[], pull: (args: string[]) => Promise<{ code: number | null; stdout: string; stderr: string }>, cases: Case[]) {
  for (const { where, sent } of cases) {
    const args = where.flatMap((w) => (w.startsWith('since:') ? ['--since', w.slice(6)] : ['--where', w]));
    const label = args.join(' ');
    const query = { where: where.filter((w) => !w.startsWith('since:')).map(parseCondition), since: where.filter((w) => w.startsWith('since:')).map((w) => parseInstant(w.slice(6)))[0] };
    const expected = all.filter((c) => matches(c, query)).map((c) => c.key);
    expect(expected.length, `${label} selects some`).toBeGreaterThan(0);
    expect(expected.length, `${label} does not select all`).toBeLessThan(all.length);
    const result = await pull(args);
    expect(result.code, `${label}: ${result.stderr}`).toBe(0);
    expect(jsonl(result.stdout).map((c) => c.key).sort(), label).toEqual([...expected].sort());
    const requests = result.stderr.split('\n').filter((l) => /\b(GET|POST) /.test(l)).join('\n');
    if (sent) expect(decodeURIComponent(requests.replace(/\+/g, ' ')), `${label} is pushed down`).toMatch(sent);
  }
}

/** A record of `all` that has `field` and whose value no other record shares. */
function unique<K extends keyof Customer>(all: Customer[], field: K, not: (c: Customer) => boolean = () => false): Customer {
  const found = all.find((c) => c[field] !== undefined && c[field] !== '' && !not(c) && all.filter((o) => o[field] === c[field]).length === 1);
  if (!found) throw new Error(`no record with a unique ${String(field)}`);
  return found;
}

// Each case is a CLI process (a second or more on a loaded 2-core machine), so a dialect's cases take a while.
const slow = 180_000;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('resultset pushes key, email, phone, altPhone and --since down', () => {
  it('each returns what the client-side filter returns', async () => {
    const { all, pull } = await base('resultset', 30);
    // A phone that is nobody's altPhone and an altPhone that is nobody's phone: pushed to the other column, the server finds no one.
    const phones = new Set(all.map((c) => c.phone));
    const alts = new Set(all.map((c) => c.altPhone));
    const byPhone = unique(all, 'phone', (c) => alts.has(c.phone));
    const byAlt = unique(all, 'altPhone', (c) => phones.has(c.altPhone));
    const target = all[7];
    const since = all.map((c) => c.updatedAt!).sort()[12];
    await expectEquivalent(all, pull, [
      { where: [`key = ${target.key}`], sent: new RegExp(`username=${escape(target.key)}`) },
      { where: [`email = ${target.email!.toUpperCase()}`], sent: new RegExp(`email=${escape(target.email!.toUpperCase())}`) },
      { where: [`phone = ${byPhone.phone}`], sent: new RegExp(`phone_day=${escape(byPhone.phone!)}`) },
      { where: [`altPhone = ${byAlt.altPhone}`], sent: new RegExp(`phone_night=${escape(byAlt.altPhone!)}`) },
      { where: [`since:${since}`], sent: /updated_since=/ },
      // Not pushed down (only = is), still the same result.
      { where: [`phone != ${byPhone.phone}`], sent: /^(?![\s\S]*phone_day=)/ },
    ]);
  }, slow);
});

describe('spiffy pushes createdAt, updatedAt, id, wholesale and marketingOptIn down', () => {
  it('every operator on each returns what the client-side filter returns', async () => {
    const { all, pull } = await base('spiffy', 60, { pageSize: 50 });
    const created = all.map((c) => c.createdAt!).sort();
    const updated = all.map((c) => c.updatedAt!).sort();
    const ids = all.map((c) => Number(c.key)).sort((a, b) => a - b);
    await expectEquivalent(all, pull, [
      { where: [`createdAt > ${created[20]}`], sent: /created_at_min=/ },
      { where: [`createdAt >= ${created[20]}`], sent: /created_at_min=/ },
      { where: [`createdAt < ${created[40]}`], sent: /created_at_max=/ },
      { where: [`createdAt <= ${created[40]}`], sent: /created_at_max=/ },
      { where: [`createdAt = ${created[33]}`], sent: /created_at_min=.*created_at_max=/ },
      { where: [`updatedAt > ${updated[20]}`], sent: /updated_at_min=/ },
      { where: [`updatedAt >= ${updated[20]}`], sent: /updated_at_min=/ },
      { where: [`updatedAt < ${updated[40]}`], sent: /updated_at_max=/ },
      { where: [`updatedAt <= ${updated[40]}`], sent: /updated_at_max=/ },
      { where: [`updatedAt = ${updated[33]}`], sent: /updated_at_min=.*updated_at_max=/ },
      { where: [`id = ${ids[10]}`], sent: new RegExp(`ids=${ids[10]}`) },
      { where: [`id > ${ids[30]}`], sent: new RegExp(`since_id=${ids[30]}`) },
      { where: [`id >= ${ids[30]}`], sent: new RegExp(`since_id=${ids[30] - 1}`) },
      { where: ['wholesale = true'], sent: /wholesale_status=wholesale/ },
      { where: ['wholesale = false'], sent: /wholesale_status=retail/ },
      { where: ['marketingOptIn = true'], sent: /marketing_status=accepts_marketing/ },
      { where: ['marketingOptIn = false'], sent: /marketing_status=rejects_marketing/ },
    ]);
  }, slow);
});

describe('cabinetry pushes email, name, company, phone, groups, discountPercent, status, key and id down', () => {
  it('every operator on each returns what the client-side filter returns', async () => {
    const { all, pull } = await base('cabinetry', 40);
    const pivot = unique(all, 'company');
    const phone = unique(all, 'phone');
    const key = all[12].key;
    const email = all[17].email!;
    const group = all.flatMap((c) => c.groups ?? []).find((g) => all.some((c) => !(c.groups ?? []).includes(g)))!;
    const discounts = all.map((c) => c.discountPercent ?? 0).sort((a, b) => a - b);
    const mid = discounts.find((d) => d > discounts[0] && d < discounts[discounts.length - 1]) ?? discounts[discounts.length - 1];
    await expectEquivalent(all, pull, [
      { where: [`email = ${email.toUpperCase()}`], sent: /filter\[email\]\[eq\]=/ },
      { where: [`email != ${email}`], sent: /filter\[email\]\[neq\]=/ },
      { where: ['email ~ .1'], sent: /filter\[email\]\[like\]=%\.1%/ },
      { where: [`email > ${email}`], sent: /filter\[email\]\[gt\]=/ },
      { where: [`email >= ${email}`], sent: /filter\[email\]\[gte\]=/ },
      { where: [`email < ${email}`], sent: /filter\[email\]\[lt\]=/ },
      { where: [`email <= ${email}`], sent: /filter\[email\]\[lte\]=/ },
      { where: [`name = ${pivot.company}`], sent: /filter\[name\]\[eq\]=/ },
      { where: [`name ~ ${pivot.company!.slice(0, 3)}`], sent: /filter\[name\]\[like\]=/ },
      { where: [`company = ${pivot.company}`], sent: /filter\[name\]\[eq\]=/ },
      { where: [`company ~ ${pivot.company!.slice(1, 4)}`], sent: /filter\[name\]\[like\]=/ },
      { where: [`phone = ${phone.phone}`], sent: new RegExp(`filter\\[phone\\]\\[eq\\]=${escape(phone.phone!)}`) },
      { where: [`phone ~ ${phone.phone!.slice(-4)}`], sent: /filter\[phone\]\[like\]=/ },
      { where: [`groups = ${group}`], sent: /filter\[customer_labels\]\[eq\]=/ },
      { where: [`groups ~ ${group.slice(0, 2)}`], sent: /filter\[customer_labels\]\[like\]=/ },
      { where: [`discountPercent = ${mid}`], sent: /filter\[price_adjustment\]\[eq\]=/ },
      { where: [`discountPercent != ${mid}`], sent: /filter\[price_adjustment\]\[neq\]=/ },
      { where: [`discountPercent > ${mid}`], sent: /filter\[price_adjustment\]\[lt\]=/ },
      { where: [`discountPercent >= ${mid}`], sent: /filter\[price_adjustment\]\[lte\]=/ },
      { where: [`discountPercent < ${mid}`], sent: /filter\[price_adjustment\]\[gt\]=/ },
      { where: [`discountPercent <= ${mid}`], sent: /filter\[price_adjustment\]\[gte\]=/ },
      { where: ['status = suspended'], sent: /filter\[settings\.is_suspended\]\[eq\]=1/ },
      { where: ['status != suspended'], sent: /filter\[settings\.is_suspended\]\[eq\]=0/ },
      { where: ['status = active'], sent: /filter\[settings\.is_suspended\]\[eq\]=0/ },
      { where: ['status != active'], sent: /filter\[settings\.is_suspended\]\[eq\]=1/ },
      { where: [`key = ${key}`], sent: new RegExp(`filter\\[id\\]\\[eq\\]=${key}`) },
      { where: [`key != ${key}`], sent: new RegExp(`filter\\[id\\]\\[neq\\]=${key}`) },
      { where: [`id = ${key}`], sent: new RegExp(`filter\\[id\\]\\[eq\\]=${key}`) },
      { where: [`id != ${key}`], sent: new RegExp(`filter\\[id\\]\\[neq\\]=${key}`) },
    ]);
  }, 240_000);
});

describe('propeller pushes key, id and --since down', () => {
  it('each returns what the client-side filter returns', async () => {
    // Keys that are not numbers are source ids (written by a push); the seeded customers are keyed by their ids.
    const handle = await startEmulator('propeller', { customers: 20, seed: 11 });
    running.push(handle);
    const dir = tempDir();
    const profiles = writeProfiles(dir, { shop: handle.profile });
    writeFileSync(join(dir, 'in.jsonl'), [...generateCustomers(6, 19)].map((c, i) => JSON.stringify({ ...c, key: `S-${i + 1}`, email: `s${i + 1}@example.com`, source: undefined })).join('\n') + '\n');
    const pushed = await runCli(['push', '--to', 'shop', '--profiles', profiles, '--input', 'in.jsonl'], { cwd: dir });
    expect(pushed.code, pushed.stderr).toBe(0);
    const pull = (args: string[]) => runCli(['pull', '--from', 'shop', '--profiles', profiles, '--format', 'jsonl', '--verbose', ...args], { cwd: dir });
    const all = jsonl((await pull([])).stdout);
    expect(all).toHaveLength(26);
    const seeded = all.find((c) => /^\d+$/.test(c.key))!;
    const since = all.map((c) => c.updatedAt!).sort()[10];
    await expectEquivalent(all, pull, [
      { where: ['key = S-4'], sent: /\/customers\/sourceId\/S-4\b/ },
      { where: [`id = ${seeded.key}`], sent: new RegExp(`/customers/id/${seeded.key}\\b`) },
      // dateModified.from goes in the search body, which --verbose does not show.
      { where: [`since:${since}`] },
    ]);
  }, slow);
});
