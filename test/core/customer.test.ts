import { describe, expect, it } from 'vitest';
import { AddressSchema, CustomerSchema, type CustomerDraft, canonicalInOnePass, customerStatuses, defaultAddress, emailKey, normaliseCustomer, parseCustomer } from '../../src/core/customer.js';
import { generateCustomers } from '../../src/emulator/generator.js';

describe('canonical customer', () => {
  it('trims strings and drops empty ones', () => {
    const c = parseCustomer({ key: ' K1 ', email: '  Bilbo@Example.COM ', firstName: '   ', note: '\n' });
    expect(c.key).toBe('K1');
    expect(c.email).toBe('Bilbo@Example.COM');
    expect('firstName' in c).toBe(false);
    expect('note' in c).toBe(false);
    expect(c).toMatchObject({ addresses: [], groups: [], custom: {} });
  });

  it('keeps the email as given but matches it lower-cased', () => {
    const c = parseCustomer({ key: 'K', email: 'Bilbo@Example.COM' });
    expect(emailKey(c.email)).toBe('bilbo@example.com');
    expect(emailKey('  ')).toBeUndefined();
  });

  it('makes groups unique and trimmed', () => {
    expect(parseCustomer({ key: 'K', groups: [' vip', 'vip ', '', 'dealer'] }).groups).toEqual(['vip', 'dealer']);
  });

  it('settles exactly one default address per kind', () => {
    const c = parseCustomer({
      key: 'K',
      addresses: [
        { kind: 'shipping', lines: ['a'] },
        { kind: 'shipping', lines: ['b'], isDefault: true },
        { kind: 'shipping', lines: ['c'], isDefault: true },
        { kind: 'billing', lines: ['d'] },
      ],
    });
    expect(c.addresses.map((a) => [a.kind, a.lines[0], a.isDefault])).toEqual([
      ['shipping', 'a', false],
      ['shipping', 'b', true],
      ['shipping', 'c', false],
      ['billing', 'd', true],
    ]);
  });

  it('drops trailing blank address lines but keeps inner ones', () => {
    const c = parseCustomer({ key: 'K', addresses: [{ kind: 'billing', lines: ['1 Road', '', 'Unit 2', ' ', ''] }] });
    expect(c.addresses[0].lines).toEqual(['1 Road', '', 'Unit 2']);
  });

  it('keeps custom values as trimmed strings and drops empty ones', () => {
    expect(normaliseCustomer({ key: 'K', custom: { a: ' x ', b: '', c: undefined } }).custom).toStrictEqual({ a: 'x' });
  });

  it('rejects values outside the contract, naming the field', () => {
    expect(() => parseCustomer({ key: 'K', dateOfBirth: '31/12/1990' })).toThrow(/dateOfBirth/);
    expect(() => parseCustomer({ key: 'K', dateOfBirth: '1990-02-30' })).toThrow(/not a day of the calendar/);
    expect(parseCustomer({ key: 'K', dateOfBirth: '2000-02-29' }).dateOfBirth).toBe('2000-02-29');
    expect(() => parseCustomer({ key: 'K', gender: 'x' as 'm' })).toThrow(/gender/);
    expect(() => parseCustomer({ key: '' })).toThrow(/key/);
  });
});

describe('parseCustomer, checked by hand for speed', () => {
  const viaSchema = (draft: Parameters<typeof parseCustomer>[0]) => CustomerSchema.parse(normaliseCustomer(draft));

  it('returns what the schema returns, key for key and in its order (JSONL output is byte for byte the same)', () => {
    const drafts: CustomerDraft[] = [...generateCustomers(300, 7)].map((c) => ({ ...c, source: { system: 'spiffy', profile: 'p', id: c.key } }));
    drafts.push({ key: 'x', addresses: [{ kind: 'shipping', lines: ['a', ''], city: 'C' }], custom: { b: ' 2 ', a: '1' }, groups: ['g', 'g'], credit: 0, wholesale: false });
    for (const draft of drafts) expect(JSON.stringify(parseCustomer(draft))).toBe(JSON.stringify(viaSchema(draft)));
  });

  it('is never more lenient than the schema: what the schema refuses is refused with its message, extra keys dropped as it does', () => {
    const bad: Array<Record<string, unknown>> = [
      { key: '' },
      { key: 'k', dateOfBirth: '2023-02-30' },
      { key: 'k', dateOfBirth: '1/2/2003' },
      { key: 'k', language: 'EN' },
      { key: 'k', gender: 'x' },
      { key: 'k', status: 'gone' },
      { key: 'k', credit: Number.NaN },
      { key: 'k', credit: '3' },
      { key: 'k', wholesale: 'yes' },
      { key: 'k', source: { system: 's', profile: 'p' } },
      { key: 'k', addresses: [{ kind: 'home', lines: [] }] },
      { key: 'k', addresses: [{ kind: 'billing', lines: [3] }] },
    ];
    const outcome = (parse: () => unknown) => {
      try {
        return JSON.stringify(parse());
      } catch (error) {
        return `refused: ${(error as Error).message}`;
      }
    };
    let refused = 0;
    for (const draft of bad) {
      const draftOf = draft as unknown as Parameters<typeof parseCustomer>[0];
      const expected = outcome(() => viaSchema(draftOf));
      if (expected.startsWith('refused')) refused += 1;
      expect(outcome(() => parseCustomer(draftOf)), JSON.stringify(draft)).toBe(expected);
    }
    expect(refused).toBeGreaterThanOrEqual(10);
    const extra = { key: 'k', surprise: 1, addresses: [{ kind: 'billing', lines: ['a'], floor: 2 }] } as unknown as Parameters<typeof parseCustomer>[0];
    expect(parseCustomer(extra)).toEqual(viaSchema(extra));
    expect('surprise' in parseCustomer(extra)).toBe(false);
  });
});

describe('parseCustomer against the schema, field by field', () => {
  // The hand check must refuse every value the schema refuses, with the schema's own message; a value
  // it is unsure of goes to the schema. Each field is given values of the wrong type and edge values.
  const draftOf = (draft: Record<string, unknown>) => draft as unknown as CustomerDraft;
  const outcome = (parse: () => unknown) => {
    try {
      return JSON.stringify(parse());
    } catch (error) {
      return `refused: ${(error as Error).message}`;
    }
  };
  const same = (draft: Record<string, unknown>) => {
    const expected = outcome(() => CustomerSchema.parse(normaliseCustomer(draftOf(draft))));
    expect(outcome(() => parseCustomer(draftOf(draft))), JSON.stringify(draft)).toBe(expected);
    return expected.startsWith('refused');
  };
  const text = ['email', 'title', 'firstName', 'middleName', 'lastName', 'company', 'phone', 'mobile', 'altPhone', 'note', 'externalId', 'passwordHash', 'createdAt', 'updatedAt'];
  const numbers = ['discountPercent', 'credit', 'totalSpent', 'ordersCount'];
  const booleans = ['marketingOptIn', 'wholesale'];
  const addressText = ['name', 'company', 'firstName', 'lastName', 'phone', 'externalId', 'city', 'region', 'regionCode', 'postcode', 'country', 'countryCode'];

  it('customer fields of the wrong type or out of range are refused as the schema refuses them', () => {
    let refused = 0;
    for (const field of text) for (const value of [3, true, { a: 1 }, ['x']]) refused += Number(same({ key: 'k', [field]: value }));
    for (const field of numbers) {
      for (const value of ['3', true, Infinity, -Infinity]) refused += Number(same({ key: 'k', [field]: value }));
      for (const value of [0, -1.5, 12]) expect(same({ key: 'k', [field]: value })).toBe(false);
    }
    for (const field of booleans) {
      for (const value of ['yes', 1, 0]) refused += Number(same({ key: 'k', [field]: value }));
      for (const value of [true, false]) expect(same({ key: 'k', [field]: value })).toBe(false);
    }
    for (const value of [3, { a: 1 }]) refused += Number(same({ key: value }));
    for (const value of [19900101, '1990-01-01x', 'x1990-01-01', '1990-1-01', '1990-02-30']) refused += Number(same({ key: 'k', dateOfBirth: value }));
    for (const value of ['x', 'M', 3, 'mf']) refused += Number(same({ key: 'k', gender: value }));
    for (const value of ['m', 'f', 'u']) expect(same({ key: 'k', gender: value })).toBe(false);
    for (const value of ['EN', 'eng', 'e', 3, 'xen', 'en1']) refused += Number(same({ key: 'k', language: value }));
    for (const value of ['gone', 3, 'Active']) refused += Number(same({ key: 'k', status: value }));
    for (const value of ['active', 'suspended']) expect(same({ key: 'k', status: value })).toBe(false);
    expect(refused).toBe(text.length * 4 + numbers.length * 4 + booleans.length * 3 + 2 + 5 + 4 + 6 + 3);
  });

  it('the source and addresses are checked whole', () => {
    const sources = [{ system: 's', profile: 'p', id: 3 }, { system: 's', profile: 3, id: 'i' }, { system: 3, profile: 'p', id: 'i' }, { system: 's', profile: 'p' }, 'spiffy', ['s', 'p', 'i']];
    for (const source of sources) expect(same({ key: 'k', source }), JSON.stringify(source)).toBe(true);
    // A fourth key is dropped, as the schema drops it.
    expect(same({ key: 'k', source: { system: 's', profile: 'p', id: 'i', extra: 'x' } })).toBe(false);
    expect(parseCustomer({ key: 'k', source: { system: 's', profile: 'p', id: 'i', extra: 'x' } as never }).source).toEqual({ system: 's', profile: 'p', id: 'i' });
    for (const field of addressText) {
      for (const value of [3, true, ['x']]) expect(same({ key: 'k', addresses: [{ kind: 'billing', lines: [], [field]: value }] }), field).toBe(true);
    }
    for (const address of [{ kind: 'home', lines: [] }, { kind: 3, lines: [] }, { lines: [] }]) expect(same({ key: 'k', addresses: [address] })).toBe(true);
    expect(same({ key: 'k', addresses: [{ kind: 'billing', lines: [] }, { kind: 'shipping', lines: [], city: 3 }] })).toBe(true);
    expect(same({ key: 'k', addresses: [{ kind: 'shipping', lines: ['a'], city: 'C', floor: 2 }] })).toBe(false);
  });
});

describe('the hand check vouches for every valid shape (else each record pays for zod)', () => {
  // A record the check turns away is still right (the schema decides), so only this test sees the check
  // grow stricter than it must: each valid value of each field, alone and all together.
  const vouched = (draft: CustomerDraft) => {
    const checked = canonicalInOnePass(draft);
    expect(checked, JSON.stringify(draft)).toBeDefined();
    expect(JSON.stringify(checked)).toBe(JSON.stringify(CustomerSchema.parse(normaliseCustomer(draft))));
  };
  const full: CustomerDraft = {
    key: 'K1', email: 'a@b.example', title: 'Dr', firstName: 'Ann', middleName: 'B', lastName: 'Cole', company: 'Co', phone: '1', mobile: '2', altPhone: '3',
    note: 'n', externalId: 'x', passwordHash: 'h', createdAt: '2020-01-01T00:00:00Z', updatedAt: '2021-01-01T00:00:00Z', dateOfBirth: '2000-02-29', gender: 'f', language: 'nl',
    status: 'guest', discountPercent: 0, credit: -1.5, totalSpent: 12, ordersCount: 3, marketingOptIn: false, wholesale: true, groups: ['a', 'b'], custom: { z: '1', a: '2' },
    source: { system: 's', profile: 'p', id: 'i' },
    addresses: [
      { kind: 'billing', isDefault: true, lines: ['1 Road', 'Flat 2'], name: 'N', company: 'C', firstName: 'F', lastName: 'L', phone: 'P', externalId: 'E', city: 'Town', region: 'R', regionCode: 'RC', postcode: 'PC', country: 'Land', countryCode: 'NL' },
      { kind: 'shipping', isDefault: true, lines: [] },
      { kind: 'shipping', isDefault: false, lines: ['x'] },
    ],
  };

  it('a record with every field, and one with only its key', () => {
    vouched(full);
    vouched({ key: 'k' });
    vouched({ key: 'k', addresses: [], groups: [], custom: {} });
  });

  it('each value each field may hold', () => {
    for (const gender of ['m', 'f', 'u'] as const) vouched({ key: 'k', gender });
    for (const status of customerStatuses) vouched({ key: 'k', status });
    for (const dateOfBirth of ['1990-01-01', '2024-12-31']) vouched({ key: 'k', dateOfBirth });
    for (const value of [0, -1.5, 1e9]) vouched({ key: 'k', discountPercent: value, credit: value, totalSpent: value, ordersCount: value });
    for (const value of [true, false]) vouched({ key: 'k', marketingOptIn: value, wholesale: value });
    vouched({ key: 'k', language: 'en' });
    for (const [name, value] of Object.entries(full)) vouched({ key: 'k', [name]: value });
  });

  it('drafts as a mapping hands them over: untrimmed, empty, null and NaN values, extra keys, no lists', () => {
    vouched({ key: ' k ', title: '  ', firstName: ' Ann ', credit: Number.NaN, note: null, extra: 'x', groups: undefined, custom: undefined } as unknown as CustomerDraft);
    vouched({ key: 'k', groups: [' a ', 'a', ''], custom: { a: ' 1 ', b: '', c: undefined }, source: { system: 's', profile: 'p', id: 'i', more: 1 } } as unknown as CustomerDraft);
    vouched({ key: 'k', addresses: [{ kind: 'billing', lines: [' 1 Road ', '', 'x', ''], city: ' C ', postcode: '', floor: 2 }, { kind: 'billing', isDefault: true }] } as unknown as CustomerDraft);
  });

  it('every generated customer', () => {
    for (const customer of generateCustomers(200, 11)) vouched({ ...customer, source: { system: 'spiffy', profile: 'p', id: customer.key } });
  });
});

describe('parseCustomer against the schema, random drafts', () => {
  // Whatever a draft holds, the one-pass check and the schema give the same record or the same refusal.
  it('the same outcome for 5,000 drafts of random values', () => {
    let seed = 17;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const pick = <T,>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
    const values: unknown[] = ['x', ' y ', '', '  ', 'en', 'EN', 'm', 'active', '1990-01-01', '1990-02-30', 0, -1.5, Number.NaN, Infinity, true, false, null, undefined, { a: 1 }, ['z'], [], {}];
    const names = [...Object.keys(CustomerSchema.shape), 'extra'];
    const addressNames = [...Object.keys(AddressSchema.shape), 'floor'];
    const outcome = (parse: () => unknown) => {
      try {
        return JSON.stringify(parse());
      } catch (error) {
        return `refused: ${(error as Error).name} ${(error as Error).message}`;
      }
    };
    let accepted = 0;
    for (let i = 0; i < 5000; i += 1) {
      const draft: Record<string, unknown> = { key: random() < 0.9 ? 'k' : pick(values) };
      for (let n = Math.floor(random() * 4); n > 0; n -= 1) draft[pick(names)] = pick(values);
      if (random() < 0.5) draft.addresses = [{ kind: pick(['billing', 'shipping', 'home']), lines: random() < 0.8 ? ['a', pick(values)] : pick(values), [pick(addressNames)]: pick(values) }];
      if (random() < 0.3) draft.groups = [pick(values), 'g'];
      if (random() < 0.3) draft.custom = { c: pick(values) };
      if (random() < 0.2) draft.source = pick([{ system: 's', profile: 'p', id: pick(values) }, pick(values)]);
      const asDraft = draft as unknown as CustomerDraft;
      const expected = outcome(() => CustomerSchema.parse(normaliseCustomer(asDraft)));
      if (!expected.startsWith('refused')) accepted += 1;
      expect(outcome(() => parseCustomer(asDraft)), JSON.stringify(draft)).toBe(expected);
    }
    // Both kinds of outcome are well represented.
    expect(accepted).toBeGreaterThan(1000);
    expect(accepted).toBeLessThan(4500);
  });
});

describe('values a JSONL line may carry that the record never keeps', () => {
  it('null and NaN are absent, not refused; a null group or line is dropped; no source means no source key', () => {
    const draft = { key: 'K', note: null, credit: Number.NaN, wholesale: null, groups: [null, ' a '], addresses: [{ kind: 'billing', lines: ['1 Road', null], city: null }] } as unknown as CustomerDraft;
    const c = parseCustomer(draft);
    expect(c).toStrictEqual({ key: 'K', addresses: [{ kind: 'billing', isDefault: true, lines: ['1 Road'] }], groups: ['a'], custom: {} });
    expect('source' in normaliseCustomer({ key: 'K' })).toBe(false);
  });
});

describe('defaultAddress', () => {
  it('the default address of the kind asked for, or none', () => {
    const c = parseCustomer({
      key: 'K',
      addresses: [
        { kind: 'shipping', lines: ['s1'] },
        { kind: 'billing', lines: ['b1'] },
        { kind: 'billing', lines: ['b2'], isDefault: true },
      ],
    });
    expect(defaultAddress(c, 'billing')?.lines).toEqual(['b2']);
    expect(defaultAddress(c, 'shipping')?.lines).toEqual(['s1']);
    expect(defaultAddress(parseCustomer({ key: 'K', addresses: [{ kind: 'billing', lines: ['b'] }] }), 'shipping')).toBeUndefined();
  });
});
