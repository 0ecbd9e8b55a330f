import { describe, expect, it } from 'vitest';
import { parseCustomer } from '../../../src/core/customer.js';
import { parseCondition } from '../../../src/core/query.js';
import { pushDown } from '../../../src/dialects/propeller/client.js';
import { propellerErrorMessage, propellerErrors } from '../../../src/dialects/propeller/errors.js';
import { MappingError, parseDateOfBirth, project, toCanonical, toWireAddresses, toWireCustomer } from '../../../src/dialects/propeller/mapping.js';
import type { WireCustomer } from '../../../src/dialects/propeller/schema.js';

const wire: WireCustomer = {
  id: 42,
  debtorId: 900042,
  firstName: 'Anna',
  middleName: 'de',
  lastName: 'Vries',
  abbreviation: 'AdV',
  title: 'Mrs',
  dateOfBirth: '03-05-1980',
  gender: 'F',
  login: 'anna.devries',
  phone: '+31 20 123 4567',
  email: 'Anna@Example.nl',
  ssn: 123456789,
  parent: { sourceId: 'G1', source: 'ERP' },
  pricelistAmount: 'PL-A',
  pricelistPercentage: 'PL-P',
  primaryLanguage: 'NL',
  sourceId: 'ERP-42',
  source: 'ERP',
  dateModified: '2026-01-02T03:04:05+01:00',
};

describe('propeller mapping', () => {
  it('reads every documented field', () => {
    const record = toCanonical(wire, [], { profileName: 'prop' });
    expect(record).toMatchObject({
      key: 'ERP-42',
      externalId: '900042',
      firstName: 'Anna',
      middleName: 'de',
      lastName: 'Vries',
      title: 'Mrs',
      dateOfBirth: '1980-05-03',
      gender: 'f',
      phone: '+31 20 123 4567',
      email: 'Anna@Example.nl',
      language: 'nl',
      updatedAt: '2026-01-02T02:04:05.000Z',
      source: { system: 'propeller', profile: 'prop', id: '42' },
    });
    expect(record.custom).toEqual({
      abbreviation: 'AdV',
      login: 'anna.devries',
      pricelistAmount: 'PL-A',
      pricelistPercentage: 'PL-P',
      source: 'ERP',
      parent: '{"sourceId":"G1","source":"ERP"}',
    });
  });

  it('never reads ssn unless asked to', () => {
    expect(JSON.stringify(toCanonical(wire, [], { profileName: 'prop' }))).not.toContain('123456789');
    expect(toCanonical(wire, [], { profileName: 'prop', includeSsn: true }).custom.ssn).toBe('123456789');
  });

  it('uses the numeric id as key when there is no sourceId', () => {
    expect(toCanonical({ ...wire, sourceId: null, source: null }, [], { profileName: 'p' }).key).toBe('42');
  });

  it('reads the date formats the platform answers', () => {
    expect(parseDateOfBirth('1980-05-03')).toBe('1980-05-03');
    expect(parseDateOfBirth('1980-05-03T00:00:00+02:00')).toBe('1980-05-03');
    expect(parseDateOfBirth('1980-05-03T22:30:00.000Z')).toBe('1980-05-03');
    expect(parseDateOfBirth('1980-05-03 00:00:00')).toBe('1980-05-03');
    expect(parseDateOfBirth('03-05-1980')).toBe('1980-05-03');
    expect(parseDateOfBirth('3/5/1980')).toBe('1980-05-03');
    expect(parseDateOfBirth('03.05.1980')).toBe('1980-05-03');
    expect(parseDateOfBirth('1980/05/03')).toBe('1980-05-03');
    expect(parseDateOfBirth('31-02-1980')).toBeUndefined();
    expect(parseDateOfBirth('yesterday')).toBeUndefined();
    // Kept, not lost, when unreadable.
    expect(toCanonical({ ...wire, dateOfBirth: 'unknown' }, [], { profileName: 'p' }).custom.dateOfBirth).toBe('unknown');
  });

  it('reads gender in either case and drops other values', () => {
    expect(toCanonical({ ...wire, gender: 'm' }, [], { profileName: 'p' }).gender).toBe('m');
    expect(toCanonical({ ...wire, gender: 'U' }, [], { profileName: 'p' }).gender).toBe('u');
    expect(toCanonical({ ...wire, gender: 'x' }, [], { profileName: 'p' }).gender).toBeUndefined();
  });

  it('maps invoice to billing and delivery to shipping with their defaults', () => {
    const record = toCanonical(wire, [
      { id: 7, code: 'billing-1', type: 'invoice', isDefault: 'Y', street: 'Keizersgracht', number: '12', numberExtension: 'A', postalCode: '1015 CS', city: 'Amsterdam', country: 'nl' },
      { id: 8, code: 'shipping-1', type: 'delivery', isDefault: 'N', street: 'Dam 1\nAchterom', city: 'Amsterdam', country: 'NL' },
      { id: 9, code: 'shipping-2', type: 'delivery', isDefault: 'Y', street: 'Damrak 5', city: 'Amsterdam' },
      { id: 10, type: 'home', street: 'ignored' },
    ], { profileName: 'p' });
    expect(record.addresses).toEqual([
      { kind: 'billing', isDefault: true, externalId: '7', lines: ['Keizersgracht 12A'], postcode: '1015 CS', city: 'Amsterdam', countryCode: 'NL' },
      { kind: 'shipping', isDefault: false, externalId: '8', lines: ['Dam 1', 'Achterom'], city: 'Amsterdam', countryCode: 'NL' },
      { kind: 'shipping', isDefault: true, externalId: '9', lines: ['Damrak 5'], city: 'Amsterdam' },
    ]);
  });

  const record = parseCustomer({
    key: 'C1',
    email: 'a@b.nl',
    firstName: 'A',
    language: 'nl',
    gender: 'm',
    dateOfBirth: '1990-01-31',
    externalId: 'D-1',
    custom: { source: 'OLD', login: 'a1', parent: '{"id":3}', ssn: '987654321' },
    addresses: [
      { kind: 'shipping', isDefault: false, lines: ['Dam 1', 'Achterom'], countryCode: 'nl', city: 'Amsterdam' },
      { kind: 'billing', isDefault: true, lines: ['Damrak 5'], regionCode: 'NH', country: 'Netherlands' },
      { kind: 'shipping', isDefault: true, lines: ['Rokin 9'] },
    ],
  });

  it('writes sourceId = key and the profile source, never the record source', () => {
    const out = toWireCustomer(record, 'ERP');
    expect(out).toMatchObject({ source: 'ERP', sourceId: 'C1', debtorId: 'D-1', primaryLanguage: 'NL', gender: 'm', dateOfBirth: '1990-01-31', login: 'a1', parent: { id: 3 }, ssn: '987654321' });
    expect(JSON.stringify(out)).not.toContain('OLD');
  });

  it('refuses a custom.parent that is not JSON', () => {
    expect(() => toWireCustomer({ ...record, custom: { parent: 'G1' } }, 'ERP')).toThrow(MappingError);
  });

  it('gives addresses stable codes per kind, invoice/delivery and Y/N', () => {
    const addresses = toWireAddresses(record);
    expect(addresses.map((a) => [a.code, a.type, a.isDefault])).toEqual([
      ['shipping-1', 'delivery', 'N'],
      ['billing-1', 'invoice', 'Y'],
      ['shipping-2', 'delivery', 'Y'],
    ]);
    expect(addresses[0]).toMatchObject({ street: 'Dam 1\nAchterom', country: 'NL' });
    expect(addresses[1]).toMatchObject({ region: 'NH' });
    expect(addresses[1].country).toBeUndefined();
    expect(toWireAddresses(record)).toEqual(addresses);
  });

  it('projects idempotently', () => {
    const once = project(record, 'ERP', 'p');
    expect(once.custom.source).toBe('ERP');
    expect(once.addresses[1]).toMatchObject({ kind: 'billing', lines: ['Damrak 5'], region: 'NH' });
    expect(project(once, 'ERP', 'p')).toEqual(once);
  });

  it('pushes email, key and since down to the search', () => {
    const since = new Date('2026-01-01T00:00:00Z');
    expect(pushDown({ since, where: [parseCondition('email = A@B.nl'), parseCondition('key = C1')] })).toEqual({
      dateModified: { from: '2026-01-01T00:00:00.000Z' },
      email: 'A@B.nl',
      sourceIds: ['C1'],
    });
    // A numeric key may be the id of a customer without sourceId: filtered on the client.
    expect(pushDown({ where: [parseCondition('key = 17'), parseCondition('email ~ b.nl')] })).toEqual({});
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
