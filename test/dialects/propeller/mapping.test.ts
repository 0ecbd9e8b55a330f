import { describe, expect, it } from 'vitest';
import { parseCustomer } from '../../../src/core/customer.js';
import { parseCondition } from '../../../src/core/query.js';
import { answerCustomer, storeInput } from '../../../src/dialects/propeller/answer.js';
import { pushDown } from '../../../src/dialects/propeller/client.js';
import { propellerErrorMessage, propellerErrors } from '../../../src/dialects/propeller/errors.js';
import { MappingError, parseDateOfBirth, project, projectHeld, toCanonical, toWireAddresses, toWireCustomer } from '../../../src/dialects/propeller/mapping.js';
import { bulkCustomerKeys, SearchAnswerSchema, WireCustomerSchema, type WireCustomer } from '../../../src/dialects/propeller/schema.js';

/** A customer as the search answers it with `?expands=sources` (SPEC section 8): "" for absent values. */
const wire: WireCustomer = WireCustomerSchema.parse({
  id: 42,
  debtorId: '900042',
  firstName: 'Anna',
  middleName: 'de',
  lastName: 'Vries',
  abbreviation: 'AdV',
  title: 'Mrs',
  name: 'Anna de Vries',
  login: 'anna.devries',
  email: 'Anna@Example.nl',
  phone: '+31 20 123 4567',
  mobile: '',
  fax: '',
  gender: 'F',
  primaryLanguage: 'NL',
  dateOfBirth: 'August, 28 1993 00:00:00 +0000',
  dateCreated: '2020-12-12T00:00:00',
  dateModified: '2026-01-02T03:04:05',
  sources: [
    { source: 'CRM', sourceId: 'CRM-7' },
    { source: 'ERP', sourceId: 'ERP-42' },
  ],
});

describe('propeller mapping: reading', () => {
  it('reads an answer in the platform forms', () => {
    const record = toCanonical(wire, [], { profileName: 'prop', source: 'ERP' });
    expect(record).toMatchObject({
      key: 'ERP-42',
      externalId: '900042',
      firstName: 'Anna',
      middleName: 'de',
      lastName: 'Vries',
      title: 'Mrs',
      dateOfBirth: '1993-08-28',
      gender: 'f',
      phone: '+31 20 123 4567',
      email: 'Anna@Example.nl',
      language: 'nl',
      createdAt: '2020-12-12T00:00:00.000Z',
      updatedAt: '2026-01-02T03:04:05.000Z',
      source: { system: 'propeller', profile: 'prop', id: '42' },
    });
    // Empty strings are absent values, not values.
    expect(record.mobile).toBeUndefined();
    expect(record.custom).toEqual({ source: 'ERP', abbreviation: 'AdV', login: 'anna.devries' });
  });

  it('takes the key from the sources entry of the profile source, whatever its place', () => {
    expect(toCanonical(wire, [], { profileName: 'p', source: 'CRM' }).key).toBe('CRM-7');
    expect(toCanonical(wire, [], { profileName: 'p', source: 'CRM' }).custom.source).toBe('CRM');
  });

  it('uses the numeric id as key when no entry is under the profile source, and keeps the entries', () => {
    const other = toCanonical(wire, [], { profileName: 'p', source: 'WEBSHOP' });
    expect(other.key).toBe('42');
    expect(JSON.parse(other.custom.sources)).toEqual([{ source: 'CRM', sourceId: 'CRM-7' }, { source: 'ERP', sourceId: 'ERP-42' }]);
    // A read without ?expands=sources has no sources at all: never a sourceId key.
    const bare = toCanonical({ ...wire, sources: undefined }, [], { profileName: 'p', source: 'ERP' });
    expect(bare.key).toBe('42');
    expect(bare.custom.sources).toBeUndefined();
  });

  it('reads a flat sourceId as an entry too, should a server send one', () => {
    expect(toCanonical({ ...wire, sources: null, source: 'ERP', sourceId: 'FLAT-1' }, [], { profileName: 'p', source: 'ERP' }).key).toBe('FLAT-1');
  });

  it('never reads ssn unless asked to', () => {
    const withSsn = { ...wire, ssn: 123456789 };
    expect(JSON.stringify(toCanonical(withSsn, [], { profileName: 'prop' }))).not.toContain('123456789');
    expect(toCanonical(withSsn, [], { profileName: 'prop', includeSsn: true }).custom.ssn).toBe('123456789');
  });

  it('reads the date forms the platform answers', () => {
    expect(parseDateOfBirth('August, 28 1993 00:00:00 +0000')).toBe('1993-08-28');
    expect(parseDateOfBirth('February, 03 1980 00:00:00 +0100')).toBe('1980-02-03');
    expect(parseDateOfBirth('Sep 9 2001')).toBe('2001-09-09');
    expect(parseDateOfBirth('February, 30 1980 00:00:00 +0000')).toBeUndefined();
    expect(parseDateOfBirth('Brumaire, 3 1980')).toBeUndefined();
    expect(parseDateOfBirth('1980-05-03')).toBe('1980-05-03');
    expect(parseDateOfBirth('1980-05-03T00:00:00+02:00')).toBe('1980-05-03');
    expect(parseDateOfBirth('1980-05-03 00:00:00')).toBe('1980-05-03');
    expect(parseDateOfBirth('03-05-1980')).toBe('1980-05-03');
    expect(parseDateOfBirth('03.05.1980')).toBe('1980-05-03');
    expect(parseDateOfBirth('31-02-1980')).toBeUndefined();
    expect(parseDateOfBirth('yesterday')).toBeUndefined();
    // Kept, not lost, when unreadable.
    expect(toCanonical({ ...wire, dateOfBirth: 'unknown' }, [], { profileName: 'p' }).custom.dateOfBirth).toBe('unknown');
  });

  it('reads gender and language in either case and drops other values', () => {
    expect(toCanonical({ ...wire, gender: 'm' }, [], { profileName: 'p' }).gender).toBe('m');
    expect(toCanonical({ ...wire, gender: 'U' }, [], { profileName: 'p' }).gender).toBe('u');
    expect(toCanonical({ ...wire, gender: 'X' }, [], { profileName: 'p' }).gender).toBeUndefined();
    expect(toCanonical({ ...wire, primaryLanguage: 'en' }, [], { profileName: 'p' }).language).toBe('en');
    expect(toCanonical({ ...wire, primaryLanguage: 'EN_GB' }, [], { profileName: 'p' }).custom.primaryLanguage).toBe('EN_GB');
  });

  it('maps invoice to billing and delivery to shipping, one street line, "" as absent', () => {
    const record = toCanonical(wire, [
      { id: 7, code: 'billing-1', type: 'invoice', isDefault: 'Y', street: 'Keizersgracht', number: '12', numberExtension: 'A', postalCode: '1015 CS', city: 'Amsterdam', country: 'nl', region: '' },
      { id: 8, code: 'shipping-1', type: 'delivery', isDefault: 'N', street: 'Dam 1\nAchterom', city: 'Amsterdam', country: 'NL', phone: '' },
      { id: 9, code: 'shipping-2', type: 'DELIVERY', isDefault: 'Y', street: 'Damrak 5', city: 'Amsterdam' },
      { id: 10, type: 'home', street: 'ignored' },
    ], { profileName: 'p' });
    expect(record.addresses).toEqual([
      { kind: 'billing', isDefault: true, externalId: '7', lines: ['Keizersgracht 12A'], postcode: '1015 CS', city: 'Amsterdam', countryCode: 'NL' },
      { kind: 'shipping', isDefault: false, externalId: '8', lines: ['Dam 1, Achterom'], city: 'Amsterdam', countryCode: 'NL' },
      { kind: 'shipping', isDefault: true, externalId: '9', lines: ['Damrak 5'], city: 'Amsterdam' },
    ]);
  });
});

describe('propeller mapping: writing', () => {
  const record = parseCustomer({
    key: 'C1',
    email: 'a@b.nl',
    firstName: 'A',
    company: 'Not held',
    language: 'nl',
    gender: 'm',
    dateOfBirth: '1990-01-31',
    externalId: 'D-1',
    custom: { source: 'OLD', login: 'a1', parent: '{"id":3}', ssn: '987654321', pricelistAmount: 'PL-A' },
    addresses: [
      { kind: 'shipping', isDefault: false, lines: ['Dam 1', 'Achterom'], countryCode: 'nl', city: 'Amsterdam' },
      { kind: 'billing', isDefault: true, lines: ['Damrak 5'], regionCode: 'NH', city: 'Amsterdam', countryCode: 'NL', country: 'Netherlands' },
      { kind: 'shipping', isDefault: true, lines: ['Rokin 9'], city: 'Amsterdam', countryCode: 'NL' },
    ],
  });

  it('writes sourceId = key and the profile source, upper-case gender and language, addresses inline', () => {
    const out = toWireCustomer(record, 'ERP');
    expect(out).toMatchObject({ source: 'ERP', sourceId: 'C1', debtorId: 'D-1', primaryLanguage: 'NL', gender: 'M', dateOfBirth: '1990-01-31', parent: { id: 3 }, ssn: '987654321', pricelistAmount: 'PL-A' });
    expect(out.addresses).toHaveLength(3);
    expect(JSON.stringify(out)).not.toContain('OLD');
  });

  it('sends only the keys the bulk endpoint publishes', () => {
    const out = toWireCustomer(record, 'ERP');
    const allowed = new Set<string>(bulkCustomerKeys);
    expect(Object.keys(out).filter((k) => !allowed.has(k))).toEqual([]);
    // company and login are not bulk fields: a call carrying them fails as a whole.
    expect(out).not.toHaveProperty('company');
    expect(out).not.toHaveProperty('login');
  });

  it('leaves addresses out when the record has none', () => {
    expect(toWireCustomer({ ...record, addresses: [] }, 'ERP')).not.toHaveProperty('addresses');
  });

  it('refuses a custom.parent that is not JSON', () => {
    expect(() => toWireCustomer({ ...record, custom: { parent: 'G1' } }, 'ERP')).toThrow(MappingError);
  });

  it('gives addresses stable codes per kind, invoice/delivery, Y/N, and one street line', () => {
    const addresses = toWireAddresses(record);
    expect(addresses.map((a) => [a.code, a.type, a.isDefault])).toEqual([
      ['shipping-1', 'delivery', 'N'],
      ['billing-1', 'invoice', 'Y'],
      ['shipping-2', 'delivery', 'Y'],
    ]);
    expect(addresses[0]).toMatchObject({ street: 'Dam 1, Achterom', country: 'NL', city: 'Amsterdam' });
    expect(addresses[1]).toMatchObject({ region: 'NH' });
    expect(toWireAddresses(record)).toEqual(addresses);
  });

  it('refuses an address without street, city or country code, naming what is missing', () => {
    const bad = { ...record, addresses: [{ kind: 'billing' as const, isDefault: true, lines: [], country: 'Netherlands' }] };
    expect(() => toWireAddresses(bad)).toThrow(/billing address 1 has no street, city, country code/);
  });

  it('projects through the answer form, idempotently', () => {
    const once = project(record, 'ERP', 'p');
    expect(once.key).toBe('C1');
    expect(once.custom.source).toBe('ERP');
    expect(once.company).toBeUndefined();
    expect(once.custom.login).toBeUndefined();
    // Written but never answered: kept, so a change of them is still sent.
    expect(once.custom.pricelistAmount).toBe('PL-A');
    expect(once.custom.parent).toBe('{"id":3}');
    expect(once.addresses[0]).toMatchObject({ kind: 'shipping', lines: ['Dam 1, Achterom'] });
    expect(once.addresses[1]).toMatchObject({ kind: 'billing', lines: ['Damrak 5'], region: 'NH' });
    expect(project(once, 'ERP', 'p')).toEqual(once);
  });

  it('stores and answers what it was sent in the platform forms', () => {
    const stored = storeInput({ id: 5, sources: [], dateCreated: '2026-01-02T03:04:05.000Z', dateModified: '2026-01-02T03:04:05.000Z' }, {
      ...toWireCustomer(record, 'ERP'),
      gender: 'm',
      primaryLanguage: 'nl',
      dateOfBirth: '31-01-1990',
    });
    expect(answerCustomer(stored, false)).toMatchObject({ gender: 'M', primaryLanguage: 'NL', dateOfBirth: 'January, 31 1990 00:00:00 +0000', dateModified: '2026-01-02T03:04:05', mobile: '' });
    expect(answerCustomer(stored, false)).not.toHaveProperty('sources');
    expect(answerCustomer(stored, true).sources).toEqual([{ source: 'ERP', sourceId: 'C1' }]);
  });
});

describe('propeller search', () => {
  it('pushes only --since down, as local time without offset', () => {
    const since = new Date('2026-01-01T10:20:30.750Z');
    expect(pushDown({ since, where: [parseCondition('email = A@B.nl'), parseCondition('key = C1')] })).toEqual({
      dateModified: { from: '2026-01-01T10:20:30' },
    });
    expect(pushDown({ where: [parseCondition('email = a@b.nl')] })).toEqual({});
  });

  it('accepts answers with extra fields or without the optional ones', () => {
    const minimal = SearchAnswerSchema.parse({ data: [{ id: '7' }], total: '1' });
    expect(minimal.total).toBe(1);
    expect(minimal.pages).toBeUndefined();
    const extra = SearchAnswerSchema.parse({ data: [{ id: 7, parent: 12, newThing: { a: 1 }, sources: [{ source: 'ERP', sourceId: 77, since: 'x' }] }], total: 1, pages: 1, itemsFound: 1, facets: [] });
    expect(toCanonical(extra.data[0], [], { profileName: 'p', source: 'ERP' }).key).toBe('77');
    expect(SearchAnswerSchema.safeParse({ data: [{ firstName: 'no id' }], total: 1 }).success).toBe(false);
  });
});

describe('propeller error messages', () => {
  it.each(Object.entries(propellerErrors))('names code %s and its type', (code, known) => {
    expect(propellerErrorMessage({ code: Number(code), status: known.status, type: known.type, messages: [known.message] })).toBe(`${code} ${known.type}: ${known.message}`);
    // A body without type or message still says what the code means.
    expect(propellerErrorMessage({ code: Number(code) })).toBe(`${code} ${known.type}: ${known.message}`);
  });

  it('shows an unknown code as it came', () => {
    expect(propellerErrorMessage({ code: 77001, type: 'SomethingNew', messages: ['Odd', 'Really'] })).toBe('77001 SomethingNew: Odd; Really');
    expect(propellerErrorMessage({ code: 77002 })).toBe('77002: no message');
    expect(propellerErrorMessage({ messages: ['just text'] })).toBe('just text');
  });

  it('joins several messages', () => {
    expect(propellerErrorMessage({ code: 60004, type: 'CustomerExists', messages: ['Customer already exists', 'sourceId C1'] })).toBe('60004 CustomerExists: Customer already exists; sourceId C1');
  });
});

describe('propeller projection of a record it would refuse', () => {
  it('drops what Propeller cannot hold instead of failing, so diff can show the rest', () => {
    const record = parseCustomer({
      key: 'K',
      firstName: 'A',
      custom: { parent: 'not json' },
      addresses: [
        { kind: 'billing', isDefault: true, lines: ['Dam 1'], city: 'Amsterdam', countryCode: 'NL' },
        { kind: 'shipping', isDefault: true, lines: [], city: 'Gouda' },
      ],
    });
    expect(() => project(record, 'ERP', 'p')).toThrow(MappingError);
    const held = projectHeld(record, 'ERP', 'p');
    expect(held.addresses.map((a) => a.kind)).toEqual(['billing']);
    expect(held.custom.parent).toBeUndefined();
    expect(held.firstName).toBe('A');
  });
});
