import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCustomer } from '../../../src/core/customer.js';
import { UserError } from '../../../src/core/errors.js';
import { loadMapping, MappingError, parseMapping } from '../../../src/core/mapping-file/index.js';
import { tempDir } from '../../helpers/cli.js';

const base = parseCustomer({
  key: 'u1',
  email: 'ann@example.com',
  firstName: 'Ann',
  lastName: "O'Brien",
  groups: ['VIP', 'TRADE', 'other'],
  note: 'hello',
  custom: { custom_data1: 'blue' },
  addresses: [
    { kind: 'billing', isDefault: true, lines: ['1 Main St'], city: 'Bill City', countryCode: 'US' },
    { kind: 'shipping', isDefault: true, lines: ['2 Side St'], city: 'Ship Town', countryCode: 'US' },
  ],
});
const map = (rules: unknown[]) => parseMapping(JSON.stringify({ rules }), 'mapping.json')(base);

describe('mapping file rules', () => {
  it('renames a field, including into custom and address fields', () => {
    const out = map([
      { op: 'rename', from: 'note', to: 'custom.notes' },
      { op: 'rename', from: 'custom.custom_data1', to: 'billing.company' },
    ]);
    expect(out.note).toBeUndefined();
    expect(out.custom).toEqual({ notes: 'hello' });
    expect(out.addresses.find((a) => a.kind === 'billing')?.company).toBe('blue');
  });

  it('sets constants with the field type', () => {
    const out = map([
      { op: 'set', field: 'language', value: 'en' },
      { op: 'set', field: 'marketingOptIn', value: 'yes' },
      { op: 'set', field: 'discountPercent', value: '5' },
      { op: 'set', field: 'groups', value: ['a', 'b'] },
    ]);
    expect(out).toMatchObject({ language: 'en', marketingOptIn: true, discountPercent: 5, groups: ['a', 'b'] });
  });

  it('drops a field', () => {
    expect(map([{ op: 'drop', field: 'email' }]).email).toBeUndefined();
    expect(map([{ op: 'drop', field: 'shipping.city' }]).addresses[1].city).toBeUndefined();
  });

  it('maps values through a table, element by element for lists', () => {
    expect(map([{ op: 'table', field: 'groups', table: { VIP: 'Gold customers', TRADE: null } }]).groups).toEqual(['Gold customers', 'other']);
    expect(map([{ op: 'table', field: 'groups', table: { VIP: 'gold' }, otherwise: 'drop' }]).groups).toEqual(['gold']);
    expect(map([{ op: 'table', field: 'firstName', table: {}, otherwise: { value: 'X' } }]).firstName).toBe('X');
  });

  it('builds a field from a template', () => {
    expect(map([{ op: 'template', field: 'company', template: '{firstName} {lastName}' }]).company).toBe("Ann O'Brien");
    expect(map([{ op: 'template', field: 'note', template: '{middleName} {billing.city}' }]).note).toBe('Bill City');
  });

  it('chooses which address kind becomes billing (swap)', () => {
    const out = map([{ op: 'addresses', billing: 'shipping', shipping: 'billing' }]);
    expect(out.addresses.find((a) => a.kind === 'billing')?.city).toBe('Ship Town');
    expect(out.addresses.find((a) => a.kind === 'shipping')?.city).toBe('Bill City');
    const only = map([{ op: 'addresses', billing: 'shipping', shipping: 'none' }]);
    expect(only.addresses).toHaveLength(1);
    expect(only.addresses[0]).toMatchObject({ kind: 'billing', city: 'Ship Town', isDefault: true });
  });

  it('is pure: the input record is not changed', () => {
    const before = structuredClone(base);
    map([{ op: 'drop', field: 'email' }, { op: 'addresses', billing: 'none' }]);
    expect(base).toEqual(before);
  });

  it('rejects a record the rules make invalid, with a MappingError', () => {
    expect(() => map([{ op: 'rename', from: 'firstName', to: 'language' }])).toThrow(MappingError);
    expect(() => map([{ op: 'rename', from: 'firstName', to: 'gender' }])).toThrow(/not one of m, f, u/);
  });
});

describe('mapping file errors name the JSON path', () => {
  const error = (content: unknown) => {
    try {
      parseMapping(typeof content === 'string' ? content : JSON.stringify(content), 'mapping.json');
    } catch (caught) {
      expect(caught).toBeInstanceOf(UserError);
      return (caught as Error).message;
    }
    throw new Error('no error');
  };

  it.each([
    [{ rules: [{ op: 'drop', field: 'note' }, { op: 'drop', field: 'note' }, { op: 'table', field: 'groups', table: 'x' }] }, /^mapping\.json: rules\[2\]\.table: expected object/],
    [{ rules: [{ op: 'explode' }] }, /^mapping\.json: rules\[0\]\.op: "op" must be one of/],
    [{ rules: [{ op: 'drop', field: 'emial' }] }, /^mapping\.json: rules\[0\]\.field: unknown field "emial"/],
    [{ rules: [{ op: 'set', field: 'wholesale', value: 'maybe' }] }, /^mapping\.json: rules\[0\]\.value: "maybe" is not true or false/],
    [{ rules: [{ op: 'set', field: 'language', value: 'german' }] }, /^mapping\.json: rules\[0\]\.value: "german" must be an ISO 639-1 code/],
    [{ rules: [{ op: 'set', field: 'dateOfBirth', value: '1990-02-30' }] }, /^mapping\.json: rules\[0\]\.value: "1990-02-30" is not a day of the calendar/],
    [{ rules: [{ op: 'table', field: 'language', table: { DE: 'german' } }] }, /^mapping\.json: rules\[0\]\.table\["DE"\]: "german" must be/],
    [{ rules: [{ op: 'table', field: 'gender', table: {}, otherwise: { value: 'x' } }] }, /^mapping\.json: rules\[0\]\.otherwise\.value: "x" is not one of m, f, u/],
    [{ rules: [{ op: 'template', field: 'note', template: '{nope}' }] }, /^mapping\.json: rules\[0\]\.template: unknown field "nope"/],
    [{ rules: [{ op: 'drop', field: 'note', extra: 1 }] }, /^mapping\.json: rules\[0\]: unknown key "extra"/],
    [{ rule: [] }, /^mapping\.json: /],
    ['{ not json', /^mapping\.json: not valid JSON/],
  ])('%j', (content, message) => {
    expect(error(content)).toMatch(message);
  });

  it('names a missing file', () => {
    expect(() => loadMapping(join(tempDir(), 'nope.json'))).toThrow(/mapping file .*nope\.json does not exist/);
    const path = join(tempDir(), 'ok.json');
    writeFileSync(path, JSON.stringify({ rules: [] }));
    expect(loadMapping(path)(base)).toEqual(base);
  });
});

describe('docs/mapping.md', () => {
  it('every example mapping file in the docs is valid and maps a record', () => {
    const text = readFileSync(new URL('../../../docs/mapping.md', import.meta.url), 'utf8');
    const blocks = [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThan(10);
    for (const block of blocks) {
      const mapping = parseMapping(block, 'docs');
      expect(() => mapping(base)).not.toThrow();
    }
  });
});
