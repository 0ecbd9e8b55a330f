import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCustomer, type Customer } from '../../src/core/customer.js';
import { applyQuery, matches, parseCondition, parseInstant } from '../../src/core/query.js';

/** Every operator at its boundary, and the fields with their own comparison (numbers, ids, instants, emails, names, groups). */
const ann = parseCustomer({
  key: '99',
  email: 'Ann@Example.com',
  firstName: 'Ann',
  middleName: 'Marie',
  lastName: 'Ash',
  groups: ['vip', 'staff'],
  totalSpent: 50,
  ordersCount: 3,
  note: 'b',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-03-01T10:00:00Z',
});
const is = (customer: Customer, ...exprs: string[]) => matches(customer, { where: exprs.map(parseCondition) });

describe('operators at the boundary', () => {
  it.each([
    ['totalSpent = 50', true],
    ['totalSpent != 50', false],
    ['totalSpent > 50', false],
    ['totalSpent >= 50', true],
    ['totalSpent < 50', false],
    ['totalSpent <= 50', true],
    ['totalSpent > 49.5', true],
    ['totalSpent < 50.5', true],
    ['totalSpent = 50.0', true],
    ['note > a', true],
    ['note >= b', true],
    ['note > b', false],
    ['note < c', true],
    ['note <= b', true],
    ['note < b', false],
  ])('%s → %s', (expr, expected) => {
    expect(is(ann, expr)).toBe(expected);
  });
});

describe('fields with their own comparison', () => {
  it('numeric keys and ids order as numbers; other keys as text', () => {
    expect(is(ann, 'key < 100')).toBe(true);
    expect(is(ann, 'key > 100')).toBe(false);
    expect(is(ann, 'id < 100')).toBe(true);
    const lettered = parseCustomer({ key: 'B2' });
    expect(is(lettered, 'key > A9')).toBe(true);
    expect(is(lettered, 'key < B3')).toBe(true);
  });

  it('id is the id in the source system when there is one, else the key', () => {
    const sourced = parseCustomer({ key: 'K1', source: { system: 'spiffy', profile: 'shop', id: '1007' } });
    expect(is(sourced, 'id = 1007')).toBe(true);
    expect(is(sourced, 'id = K1')).toBe(false);
    expect(is(sourced, 'key = K1')).toBe(true);
    expect(is(ann, 'id = 99')).toBe(true);
  });

  it('instants compare as instants, whatever their form', () => {
    expect(is(ann, 'updatedAt = 2026-03-01T12:00:00+02:00')).toBe(true);
    expect(is(ann, 'updatedAt < 2026-03-01T10:00:01Z')).toBe(true);
    expect(is(ann, 'updatedAt <= 2026-03-01T09:59:59Z')).toBe(false);
    expect(is(ann, 'createdAt > 2025-12-31')).toBe(true);
    expect(is(ann, 'createdAt ~ 2026-01')).toBe(true);
  });

  it('emails compare without regard to case, other text with it', () => {
    expect(is(ann, 'email = ann@example.COM')).toBe(true);
    expect(is(ann, 'email > AMY@example.com')).toBe(true);
    expect(is(ann, 'firstName = ann')).toBe(false);
    expect(is(ann, 'firstName ~ AN')).toBe(true);
  });

  it('name is the full name (middle name included) or the company', () => {
    expect(is(ann, 'name = Ann Marie Ash')).toBe(true);
    expect(is(ann, 'name = Ann Ash')).toBe(false);
    const firm = parseCustomer({ key: 'F', company: 'Ash & Co' });
    expect(is(firm, 'name = Ash & Co')).toBe(true);
    expect(is(parseCustomer({ key: 'N' }), 'name ~ a')).toBe(false);
  });

  it('groups: = when any group is it, != when none is', () => {
    expect(is(ann, 'groups = staff')).toBe(true);
    expect(is(ann, 'groups != staff')).toBe(false);
    expect(is(ann, 'groups != dwarves')).toBe(true);
    expect(is(parseCustomer({ key: 'G' }), 'groups = vip')).toBe(false);
    expect(is(parseCustomer({ key: 'G' }), 'groups != vip')).toBe(true);
  });

  it('an absent field satisfies only !=', () => {
    const bare = parseCustomer({ key: 'X' });
    for (const op of ['=', '~', '>', '>=', '<', '<=']) expect(is(bare, `phone ${op} 1`), op).toBe(false);
    expect(is(bare, 'phone != 1')).toBe(true);
  });

  it('all conditions must hold', () => {
    expect(is(ann, 'totalSpent >= 50', 'ordersCount = 3')).toBe(true);
    expect(is(ann, 'totalSpent >= 50', 'ordersCount = 4')).toBe(false);
  });
});

describe('--since', () => {
  const since = parseInstant('2026-03-01T10:00:00Z');

  it('at or after the instant, by updatedAt, else createdAt; a record with neither never matches', () => {
    expect(matches(ann, { where: [], since })).toBe(true);
    expect(matches(ann, { where: [], since: new Date(since.getTime() + 1) })).toBe(false);
    expect(matches(parseCustomer({ key: 'C', createdAt: '2026-04-01T00:00:00Z' }), { where: [], since })).toBe(true);
    expect(matches(parseCustomer({ key: 'C', createdAt: '2026-02-01T00:00:00Z' }), { where: [], since })).toBe(false);
    expect(matches(parseCustomer({ key: 'D' }), { where: [], since })).toBe(false);
  });

  it('a space instead of T, seconds and fractions are UTC too', () => {
    expect(parseInstant('2026-03-01 10:30').toISOString()).toBe('2026-03-01T10:30:00.000Z');
    expect(parseInstant(' 2026-03-01T10:30:15.250 ').toISOString()).toBe('2026-03-01T10:30:15.250Z');
    expect(() => parseInstant('')).toThrow(/--since "" is not an ISO 8601/);
    expect(() => parseInstant('yesterday', '--where updatedAt')).toThrow(/^--where updatedAt "yesterday"/);
  });
});

describe('parsing', () => {
  it('single quotes, spaces around the operator, a value with spaces; an instant value is normalised', () => {
    expect(parseCondition("  last_name   !=   'van der Berg'  ")).toEqual({ field: 'lastName', op: '!=', value: 'van der Berg' });
    expect(parseCondition('note~x y')).toEqual({ field: 'note', op: '~', value: 'x y' });
    expect(parseCondition('updated_at >= 2026-03-01')).toEqual({ field: 'updatedAt', op: '>=', value: '2026-03-01T00:00:00.000Z' });
    expect(parseCondition('updatedAt ~ 2026-03')).toEqual({ field: 'updatedAt', op: '~', value: '2026-03' });
  });

  it('a number field needs a number, except with ~', () => {
    expect(() => parseCondition('credit = ')).toThrow(/credit is a number/);
    expect(() => parseCondition('ordersCount < many')).toThrow(/ordersCount is a number/);
    expect(parseCondition('credit ~ 5')).toEqual({ field: 'credit', op: '~', value: '5' });
  });

  it('the hint lists the operators and the fields', () => {
    expect(() => parseCondition('nonsense')).toThrow(expect.objectContaining({ hint: expect.stringContaining('= != ~ >= <= > <') }));
    expect(() => parseCondition('shoe = 1')).toThrow(expect.objectContaining({ hint: expect.stringContaining('key, email, title') }));
    expect(() => parseCondition('note => x')).toThrow(expect.objectContaining({ hint: expect.stringContaining('quote a value') }));
  });
});

describe('applyQuery', () => {
  async function* many() {
    for (let i = 0; i < 5; i += 1) yield parseCustomer({ key: String(i) });
  }
  const keys = async (limit?: number) => {
    const out: string[] = [];
    for await (const c of applyQuery(many(), { where: [], limit })) out.push(c.key);
    return out;
  };

  it('no limit is everything; a limit of 0 or less is nothing; a limit past the end is everything', async () => {
    expect(await keys()).toEqual(['0', '1', '2', '3', '4']);
    expect(await keys(0)).toEqual([]);
    expect(await keys(-1)).toEqual([]);
    expect(await keys(1)).toEqual(['0']);
    expect(await keys(9)).toEqual(['0', '1', '2', '3', '4']);
  });
});

describe('edges of parsing and comparing', () => {
  it('a field name starts the expression; a value is unquoted only when the quotes enclose it whole', () => {
    expect(() => parseCondition('9note = x')).toThrow(/is not of the form "field OP value"/);
    expect(parseCondition('note = x"a"').value).toBe('x"a"');
    expect(parseCondition('note = "a"b').value).toBe('"a"b');
    expect(parseCondition("note = 'a'").value).toBe('a');
    expect(parseCondition('note = a=b<c').value).toBe('a=b<c');
  });

  it('a value that starts with an operator character: the message quotes what was typed, the hint says to quote it', () => {
    expect(() => parseCondition('note = =abc')).toThrow(
      expect.objectContaining({
        message: '--where "note = =abc": "==a" is not an operator',
        hint: 'OP is one of = != ~ >= <= > <; quote a value that starts with one of = < > ! ~',
      }),
    );
  });

  it('a number field: a blank value is no number; ~ takes any text', () => {
    expect(() => parseCondition('totalSpent = " "')).toThrow('--where "totalSpent = " "": totalSpent is a number, " " is not');
    expect(parseCondition('totalSpent ~ abc')).toEqual({ field: 'totalSpent', op: '~', value: 'abc' });
  });

  it('an instant field names the --where field in its message and shows an example', () => {
    expect(() => parseCondition('created_at > soon')).toThrow(
      expect.objectContaining({
        message: '--where created_at "soon" is not an ISO 8601 date or instant',
        hint: 'e.g. 2026-01-31 or 2026-01-31T08:00:00+01:00',
      }),
    );
  });

  it('text that looks like a number still compares as text, except keys and ids that are both whole numbers', () => {
    const ten = parseCustomer({ key: '10', note: '10' });
    expect(is(ten, 'note < 9')).toBe(true);
    expect(is(ten, 'key < 9')).toBe(false);
    expect(is(ten, 'key < 9a')).toBe(true);
    expect(is(ann, 'key < " 100"')).toBe(true);
  });

  it('name: a missing middle name leaves no double space; a record without any name has none to compare', () => {
    const bob = parseCustomer({ key: 'B', firstName: 'Bob', lastName: 'Ash' });
    expect(is(bob, 'name = Bob Ash')).toBe(true);
    const nameless = parseCustomer({ key: 'N' });
    expect(is(nameless, 'name < a')).toBe(false);
    expect(is(nameless, 'name != x')).toBe(true);
    expect(is(bob, 'name < C')).toBe(true);
    expect(is(bob, 'name > Bob Ash')).toBe(false);
  });
});

describe('instants without an offset are UTC whatever the local time zone', () => {
  // On a machine set to UTC, reading them as local time would pass unnoticed. A forked test process
  // takes the zone set here; worker threads (Stryker's) take it from the environment: `npm run mutate` sets it.
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.TZ;
    process.env.TZ = 'America/New_York';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  it.each([
    ['2026-03-01', '2026-03-01T00:00:00.000Z'],
    ['2026-03-01T10:30', '2026-03-01T10:30:00.000Z'],
    ['2026-03-01 10:30', '2026-03-01T10:30:00.000Z'],
    ['2026-03-01T10:30:15', '2026-03-01T10:30:15.000Z'],
    ['2026-03-01T10:30:15.25', '2026-03-01T10:30:15.250Z'],
    ['2026-03-01T10:30:15+01:00', '2026-03-01T09:30:15.000Z'],
  ])('%s is %s', (text, iso) => {
    expect(new Date(2026, 0, 1).getTimezoneOffset()).toBe(300);
    expect(parseInstant(text).toISOString()).toBe(iso);
  });
});
