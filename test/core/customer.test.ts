import { describe, expect, it } from 'vitest';
import { emailKey, normaliseCustomer, parseCustomer } from '../../src/core/customer.js';

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
    expect(normaliseCustomer({ key: 'K', custom: { a: ' x ', b: '', c: undefined } }).custom).toEqual({ a: 'x' });
  });

  it('rejects values outside the contract, naming the field', () => {
    expect(() => parseCustomer({ key: 'K', dateOfBirth: '31/12/1990' })).toThrow(/dateOfBirth/);
    expect(() => parseCustomer({ key: 'K', dateOfBirth: '1990-02-30' })).toThrow(/not a day of the calendar/);
    expect(parseCustomer({ key: 'K', dateOfBirth: '2000-02-29' }).dateOfBirth).toBe('2000-02-29');
    expect(() => parseCustomer({ key: 'K', gender: 'x' as 'm' })).toThrow(/gender/);
    expect(() => parseCustomer({ key: '' })).toThrow(/key/);
  });
});
