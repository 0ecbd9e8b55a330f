import { describe, expect, it } from 'vitest';
import { compareRecords, parseIgnored } from '../../src/core/diff.js';
import { generateCustomer } from '../../src/emulator/generator.js';

describe('diff --ignore', () => {
  it('takes canonical fields, their CSV names and the diff paths; refuses others', () => {
    expect(parseIgnored(['note', 'updated_at', 'addresses[billing].city', 'custom.custom_data1', 'addresses'])).toEqual([
      'note',
      'updatedAt',
      'addresses[billing].city',
      'custom.custom_data1',
      'addresses',
    ]);
    expect(() => parseIgnored(['shoeSize'])).toThrow('--ignore names an unknown field "shoeSize"');
    expect(() => parseIgnored(['source'])).toThrow('unknown field');
  });

  it('leaves out a path, its record part or its whole field', () => {
    const before = generateCustomer(1, 2);
    const billing = before.addresses.find((a) => a.kind === 'billing')!;
    const after = { ...before, note: 'changed', addresses: [{ ...billing, city: 'Elsewhere', postcode: '9999' }, ...before.addresses.filter((a) => a !== billing)], updatedAt: '2030-01-01T00:00:00.000Z' };
    const fields = (ignore: string[]) => compareRecords(after, before, new Set(ignore)).map((c) => c.field).sort();
    expect(fields([])).toEqual(['addresses[billing].city', 'addresses[billing].postcode', 'note', 'updatedAt']);
    expect(fields(['updatedAt', 'addresses[billing].city'])).toEqual(['addresses[billing].postcode', 'note']);
    expect(fields(['addresses[billing]', 'note'])).toEqual(['updatedAt']);
    expect(fields(['addresses', 'note', 'updatedAt'])).toEqual([]);
  });
});
