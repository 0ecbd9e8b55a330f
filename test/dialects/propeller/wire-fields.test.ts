import { describe, expect, it } from 'vitest';
import { parseCustomer } from '../../../src/core/customer.js';
import { fromWireAddress, MappingError, projectHeld, toCanonical, toWireAddresses, toWireCustomer } from '../../../src/dialects/propeller/mapping.js';
import type { WireAddress, WireCustomer } from '../../../src/dialects/propeller/schema.js';

/** Propeller fields one by one, expected values written out (SPEC section 4, docs/dialects/propeller.md). */
const read = (wire: Record<string, unknown>, source?: string) => toCanonical({ id: 5, ...wire } as Partial<WireCustomer>, [], { profileName: 'prop', source });

describe('reading', () => {
  it('street, number and extension make one line; newlines in the street read as commas', () => {
    const line = (fields: Record<string, unknown>) => fromWireAddress({ type: 'invoice', ...fields } as WireAddress)?.lines;
    expect(line({ street: 'Main St', number: 12, numberExtension: 'a' })).toStrictEqual(['Main St 12a']);
    expect(line({ street: 'Main St', number: '12', numberExtension: 'bis' })).toStrictEqual(['Main St 12 bis']);
    expect(line({ street: 'Main St \n\n Unit 2', number: ' ' })).toStrictEqual(['Main St, Unit 2']);
    expect(line({ number: 7 })).toStrictEqual(['7']);
    expect(line({ street: 'Main St', numberExtension: 'a' })).toStrictEqual(['Main St']);
  });

  it('type decides the kind (any case), other types are skipped; isDefault as a boolean or Y/N', () => {
    expect(fromWireAddress({ type: 'DELIVERY', isDefault: 'y', country: 'nl', id: 3 } as unknown as WireAddress)).toMatchObject({ kind: 'shipping', isDefault: true, countryCode: 'NL', externalId: '3' });
    expect(fromWireAddress({ type: 'invoice', isDefault: false } as WireAddress)?.isDefault).toBe(false);
    expect(fromWireAddress({ type: 'invoice', isDefault: 'N' } as unknown as WireAddress)?.isDefault).toBe(false);
    expect(fromWireAddress({ type: 'pickup' } as unknown as WireAddress)).toBeUndefined();
    expect(fromWireAddress({} as WireAddress)).toBeUndefined();
  });

  it("the key is the sourceId of the profile's source, else the id; other sources are kept in custom", () => {
    const sources = [{ source: 'ERP', sourceId: 'E1' }, { source: 'SHOP', sourceId: 'S1' }];
    expect(read({ sources }, 'SHOP')).toMatchObject({ key: 'S1', custom: { source: 'SHOP' } });
    const other = read({ sources, sourceId: 'S1', source: 'SHOP' }, 'WEB');
    expect(other.key).toBe('5');
    expect(JSON.parse(other.custom.sources!)).toStrictEqual([{ source: 'ERP', sourceId: 'E1' }, { source: 'SHOP', sourceId: 'S1' }]);
    expect(read({ sources: [{ source: 'ERP', sourceId: ' ' }] }).custom.sources).toBeUndefined();
    expect(JSON.parse(read({ sourceId: 'F1' }).custom.sources!)).toStrictEqual([{ source: '', sourceId: 'F1' }]);
    expect(JSON.parse(read({ sources: [{ source: 'A', sourceId: '1' }, { source: 'B', sourceId: '1' }] }).custom.sources!)).toHaveLength(2);
    expect(read({ sources: [{ source: 'A', sourceId: '1' }] }, 'A').source).toStrictEqual({ system: 'propeller', profile: 'prop', id: '5' });
  });

  it('parent kept as JSON; ssn only when asked; blank text is absent', () => {
    expect(read({ parent: { id: 12 } }).custom.parent).toBe('{"id":12}');
    expect(read({ parent: 'x' }).custom.parent).toBeUndefined();
    expect(read({ ssn: '123' }).custom.ssn).toBeUndefined();
    expect(toCanonical({ id: 5, ssn: '123' } as Partial<WireCustomer>, [], { profileName: 'p', includeSsn: true }).custom.ssn).toBe('123');
    const blank = read({ firstName: '  ', email: ' a@example.com ' });
    expect(blank.firstName).toBeUndefined();
    expect(blank.email).toBe('a@example.com');
  });
});

describe('writing', () => {
  it('the phone, else the mobile; ssn and parent from custom; a parent that is not a JSON object is refused', () => {
    expect(toWireCustomer(parseCustomer({ key: 'K', mobile: '06' }), 'SHOP')).toMatchObject({ source: 'SHOP', sourceId: 'K', phone: '06' });
    expect(toWireCustomer(parseCustomer({ key: 'K', phone: '01', mobile: '06' }), 'SHOP').phone).toBe('01');
    expect(toWireCustomer(parseCustomer({ key: 'K', custom: { ssn: '9', parent: '{"id":12}' } }), 'S')).toMatchObject({ ssn: '9', parent: { id: 12 } });
    expect(toWireCustomer(parseCustomer({ key: 'K' }), 'S')).not.toHaveProperty('ssn');
    expect(() => toWireCustomer(parseCustomer({ key: 'K', custom: { parent: 'nope' } }), 'S')).toThrow(MappingError);
    expect(() => toWireCustomer(parseCustomer({ key: 'K', custom: { parent: 'nope' } }), 'S')).toThrow('custom.parent is not JSON: it must look like {"id":12} or {"sourceId":"G1","source":"ERP"}');
    for (const parent of ['[1]', '3', 'null']) expect(() => toWireCustomer(parseCustomer({ key: 'K', custom: { parent } }), 'S'), parent).toThrow('custom.parent must be a JSON object with id, or sourceId and source');
  });

  it('addresses: one street line of the trimmed lines, stable codes per kind, Y/N, and what is missing named', () => {
    const record = parseCustomer({
      key: 'K',
      addresses: [
        { kind: 'billing', isDefault: true, lines: [' 1 Main St ', '', 'Unit 2'], city: 'Amsterdam', countryCode: 'nl', regionCode: 'NH' },
        { kind: 'shipping', isDefault: true, lines: ['9 Dock'], city: 'Rotterdam', countryCode: 'NL', region: 'Zuid-Holland' },
        { kind: 'shipping', isDefault: false, lines: ['10 Dock'], city: 'Rotterdam', countryCode: 'NL' },
      ],
    });
    expect(toWireAddresses(record)).toStrictEqual([
      { code: 'billing-1', type: 'invoice', isDefault: 'Y', street: '1 Main St, Unit 2', city: 'Amsterdam', region: 'NH', country: 'NL' },
      { code: 'shipping-1', type: 'delivery', isDefault: 'Y', street: '9 Dock', city: 'Rotterdam', region: 'Zuid-Holland', country: 'NL' },
      { code: 'shipping-2', type: 'delivery', isDefault: 'N', street: '10 Dock', city: 'Rotterdam', country: 'NL' },
    ]);
    const bad = (address: Record<string, unknown>) => () => toWireAddresses(parseCustomer({ key: 'K', addresses: [{ kind: 'shipping', isDefault: true, lines: ['1 Road'], city: 'C', countryCode: 'NL', ...address }] }));
    expect(bad({ lines: [' ', ''] })).toThrow('shipping address 1 has no street: Propeller requires street, city and country of every address');
    expect(bad({ city: ' ' })).toThrow('shipping address 1 has no city:');
    expect(bad({ countryCode: 'NLD' })).toThrow('shipping address 1 has no country code (ISO alpha-2):');
    expect(bad({ countryCode: undefined, city: undefined })).toThrow('shipping address 1 has no city, country code (ISO alpha-2):');
  });

  it('projectHeld drops what Propeller would refuse (an address, a parent that is not JSON) and keeps the rest', () => {
    const record = parseCustomer({
      key: 'K',
      email: 'k@example.com',
      custom: { parent: 'nope', pricelistAmount: '5' },
      addresses: [
        { kind: 'billing', isDefault: true, lines: ['1 Main St'], city: 'A', countryCode: 'NL' },
        { kind: 'shipping', isDefault: true, lines: [], city: 'B', countryCode: 'NL' },
      ],
    });
    const held = projectHeld(record, 'S', 'prop');
    expect(held.addresses.map((a) => a.kind)).toStrictEqual(['billing']);
    expect(held.custom.parent).toBeUndefined();
    expect(held.custom.pricelistAmount).toBe('5');
    expect(held.email).toBe('k@example.com');
  });
});

describe('reading, edge cases', () => {
  it('null fields are absent, not the text "null"; no groups are made up', () => {
    const c = read({ email: 'a@example.com', firstName: null, phone: null, fax: null });
    expect(c).toStrictEqual(parseCustomer({ key: '5', email: 'a@example.com', source: { system: 'propeller', profile: 'prop', id: '5' } }));
  });

  it('an answer without an id has no source; the key comes from its sources entry', () => {
    const c = toCanonical({ email: 'a@example.com', sources: [{ source: 'ERP', sourceId: 'K9' }] } as Partial<WireCustomer>, [], { profileName: 'prop', source: 'ERP' });
    expect(c.key).toBe('K9');
    expect('source' in c).toBe(false);
  });

  it('two entries of one source with different ids are both kept', () => {
    const c = read({ sources: [{ source: 'ERP', sourceId: '1' }, { source: 'ERP', sourceId: '2' }, { source: 'ERP', sourceId: '1' }] });
    expect(JSON.parse(c.custom.sources!)).toStrictEqual([{ source: 'ERP', sourceId: '1' }, { source: 'ERP', sourceId: '2' }]);
  });

  it('a default given as a boolean on a later address makes that one the default', () => {
    const c = toCanonical({ id: 5 } as Partial<WireCustomer>, [
      { type: 'invoice', street: 'A', isDefault: false },
      { type: 'invoice', street: 'B', isDefault: true },
    ] as WireAddress[], { profileName: 'prop' });
    expect(c.addresses.map((a) => [a.lines[0], a.isDefault])).toStrictEqual([['A', false], ['B', true]]);
  });

  it('a street with a leading newline has no empty part', () => {
    expect(fromWireAddress({ type: 'invoice', street: '\nKerkstraat\n' } as WireAddress)?.lines).toStrictEqual(['Kerkstraat']);
  });
});
