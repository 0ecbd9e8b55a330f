import { describe, expect, it } from 'vitest';
import { parseCustomer } from '../../../src/core/customer.js';
import { fromWire, payloadUnchanged, projectRecord, splitTags, statusOfState, toWire } from '../../../src/dialects/spiffy/mapping.js';
import type { SpiffyCustomer } from '../../../src/dialects/spiffy/schema.js';
import { bilbo } from './fixtures.js';

/**
 * Spiffy's write payload and its read edge cases, field by field with the
 * expected wire values written out (SPEC section 4 `spiffy`).
 */
describe('toWire', () => {
  it('every customer-level field a record has, and nothing it lacks', () => {
    const payload = toWire(
      parseCustomer({
        key: '6',
        title: 'Ms',
        firstName: 'Ann',
        lastName: 'Ash',
        company: 'Ash & Co',
        email: 'ann@example.com',
        note: 'n',
        marketingOptIn: false,
        wholesale: true,
        credit: 12.5,
        groups: ['vip', 'staff'],
        custom: { accounting_id: 'acc', pos_id: 'pos', other: 'x' },
        status: 'disabled',
        totalSpent: 99,
        ordersCount: 3,
        createdAt: '2026-01-01T00:00:00Z',
      }),
    );
    expect(payload).toStrictEqual({
      title: 'Ms',
      first_name: 'Ann',
      last_name: 'Ash',
      company: 'Ash & Co',
      email: 'ann@example.com',
      note: 'n',
      accepts_marketing: false,
      wholesale: true,
      credit: 12.5,
      tags: 'vip,staff',
      accounting_id: 'acc',
      pos_id: 'pos',
      addresses: [],
    });
    expect(toWire(parseCustomer({ key: '1' }))).toStrictEqual({ addresses: [] });
    expect(toWire(parseCustomer({ key: '1', marketingOptIn: true, wholesale: false, credit: 0 }))).toStrictEqual({ accepts_marketing: true, wholesale: false, credit: 0, addresses: [] });
  });

  it('addresses: the default shipping one first and default, then the default billing, the other shipping, the other billing; identical ones once', () => {
    const payload = toWire(
      parseCustomer({
        key: '1',
        phone: '555',
        addresses: [
          { kind: 'billing', isDefault: true, lines: ['1 Bill St'], city: 'B' },
          { kind: 'shipping', isDefault: false, lines: ['2 Other St'], city: 'O' },
          { kind: 'shipping', isDefault: true, firstName: 'Sam', lines: ['3 Ship St', '', 'Unit 4', 'Floor 5'], region: 'R', regionCode: 'RC', postcode: '9', country: 'NZ', countryCode: 'NZ' },
          { kind: 'billing', isDefault: false, lines: ['2 Other St'], city: 'O' },
        ],
      }),
    );
    expect(payload.addresses).toStrictEqual([
      { first_name: 'Sam', province: 'R', province_code: 'RC', country: 'NZ', country_code: 'NZ', zip: '9', phone: '555', address1: '3 Ship St', address2: 'Unit 4, Floor 5', default: true },
      { city: 'B', address1: '1 Bill St', default: false },
      { city: 'O', address1: '2 Other St', default: false },
    ]);
  });

  it("the record's phone goes onto the first address only when that has none; a name only without first and last names", () => {
    const own = toWire(parseCustomer({ key: '1', phone: '555', addresses: [{ kind: 'shipping', isDefault: true, lines: [], phone: '777', name: 'Depot', firstName: 'F' }] }));
    expect(own.addresses).toStrictEqual([{ first_name: 'F', phone: '777', default: true }]);
    const named = toWire(parseCustomer({ key: '1', addresses: [{ kind: 'shipping', isDefault: true, lines: ['1 Road'], name: 'Depot' }, { kind: 'shipping', isDefault: false, lines: ['2 Road'] }] }));
    expect(named.addresses).toStrictEqual([
      { name: 'Depot', address1: '1 Road', default: true },
      { address1: '2 Road', default: false },
    ]);
    const second = toWire(parseCustomer({ key: '1', phone: '555', addresses: [{ kind: 'shipping', isDefault: true, lines: ['1'], phone: '1' }, { kind: 'shipping', isDefault: false, lines: ['2'] }] }));
    expect(second.addresses?.[1]).toStrictEqual({ address1: '2', default: false });
  });
});

describe('fromWire edge cases', () => {
  const base = { ...bilbo, addresses: [], default_address: undefined } as SpiffyCustomer;

  it('blank strings are absent; numbers from strings; an unreadable number is absent', () => {
    const c = fromWire({ ...base, note: '  ', company: '', credit: '', total_spent: 'lots', orders_count: '7' } as unknown as SpiffyCustomer, 's');
    expect(c.note).toBeUndefined();
    expect(c.company).toBeUndefined();
    expect(c.credit).toBeUndefined();
    expect(c.totalSpent).toBeUndefined();
    expect(c.ordersCount).toBe(7);
    expect(fromWire({ ...base, credit: null } as unknown as SpiffyCustomer, 's').credit).toBeUndefined();
  });

  it("an address name is read only when it has neither first nor last name; the default address's phone is the phone, trimmed", () => {
    const c = fromWire({ ...base, addresses: [{ id: 1, default: true, name: 'Depot', phone: ' 555 ', address1: '1 Road' }, { id: 2, first_name: 'F', name: 'F Person', address1: '2 Road' }] } as unknown as SpiffyCustomer, 's');
    expect(c.addresses.map((a) => [a.name, a.firstName, a.isDefault])).toEqual([
      ['Depot', undefined, true],
      [undefined, 'F', false],
    ]);
    expect(c.phone).toBe('555');
    const half = fromWire({ ...base, addresses: [{ id: 1, default: true, last_name: 'L', name: 'X L' }] } as unknown as SpiffyCustomer, 's');
    expect(half.addresses[0].name).toBeUndefined();
  });

  it('a default_address the list lacks is added first; one it holds (by id, or a flagged default) is not added again', () => {
    const lone = fromWire({ ...base, addresses: [{ id: 2, address1: '2 Road' }], default_address: { id: 1, address1: '1 Road' } } as unknown as SpiffyCustomer, 's');
    expect(lone.addresses.map((a) => [a.lines[0], a.isDefault])).toEqual([['1 Road', true], ['2 Road', false]]);
    const held = fromWire({ ...base, addresses: [{ id: 2, address1: '2 Road' }, { id: 1, address1: '1 Road' }], default_address: { id: 1, address1: '1 Road' } } as unknown as SpiffyCustomer, 's');
    expect(held.addresses.map((a) => [a.lines[0], a.isDefault])).toEqual([['2 Road', false], ['1 Road', true]]);
    const flagged = fromWire({ ...base, addresses: [{ id: 2, address1: '2 Road', default: true }], default_address: { id: 1, address1: '1 Road' } } as unknown as SpiffyCustomer, 's');
    expect(flagged.addresses.map((a) => [a.lines[0], a.isDefault])).toEqual([['2 Road', true]]);
    const none = fromWire({ ...base, addresses: [{ id: 2, address1: '2 Road' }, { id: 3, address1: '3 Road' }] } as unknown as SpiffyCustomer, 's');
    // No default on the wire: the canonical record makes its first address of the kind the default.
    expect(none.addresses.map((a) => a.isDefault)).toEqual([true, false]);
  });

  it('an address without street lines has none; without ids, a default_address is matched by nothing but a flagged default', () => {
    const bare = fromWire({ ...base, addresses: [{ id: 1, default: true, city: 'A' }] } as unknown as SpiffyCustomer, 's');
    expect(bare.addresses[0].lines).toEqual([]);
    const idless = fromWire({ ...base, addresses: [{ address1: '2 Road' }], default_address: { address1: '1 Road' } } as unknown as SpiffyCustomer, 's');
    expect(idless.addresses.map((a) => [a.lines[0], a.isDefault])).toEqual([['1 Road', true], ['2 Road', false]]);
    const unflagged = fromWire({ ...base, addresses: [{ id: 2, address1: '2 Road', default: false }], default_address: { id: 1, address1: '1 Road' } } as unknown as SpiffyCustomer, 's');
    expect(unflagged.addresses.map((a) => [a.lines[0], a.isDefault])).toEqual([['1 Road', true], ['2 Road', false]]);
    const second = fromWire({ ...base, addresses: [{ id: 1, address1: '1 Road', default: false }, { id: 2, address1: '2 Road', default: true }] } as unknown as SpiffyCustomer, 's');
    expect(second.addresses.map((a) => [a.lines[0], a.isDefault])).toEqual([['1 Road', false], ['2 Road', true]]);
  });

  it('splitTags and statusOfState', () => {
    expect(splitTags(' a , ,b,, c ')).toEqual(['a', 'b', 'c']);
    expect(splitTags(null)).toEqual([]);
    expect(splitTags('')).toEqual([]);
    expect(statusOfState('enabled')).toBe('active');
    for (const state of ['disabled', 'invited', 'declined', 'guest']) expect(statusOfState(state)).toBe(state);
    expect(statusOfState('archived')).toBeUndefined();
    expect(statusOfState(null)).toBeUndefined();
    expect(statusOfState('')).toBeUndefined();
  });

  it('the source names spiffy, the profile and the id', () => {
    expect(fromWire(base, 'shop').source).toEqual({ system: 'spiffy', profile: 'shop', id: String(base.id) });
  });
});

describe('projectRecord and payloadUnchanged', () => {
  it('projectRecord keeps the key and the source of the record, or none', () => {
    const sourced = parseCustomer({ key: 'K', email: 'k@example.com', source: { system: 'resultset', profile: 'rs', id: 'u1' } });
    expect(projectRecord(sourced, 'shop')).toMatchObject({ key: 'K', source: { system: 'resultset', profile: 'rs', id: 'u1' } });
    expect('source' in projectRecord(parseCustomer({ key: 'K' }), 'shop')).toBe(false);
  });

  it('unchanged when every field the payload carries has that value; the id and an empty address list never count', () => {
    const existing = { ...bilbo } as SpiffyCustomer;
    const same = toWire(fromWire(existing, 's'));
    expect(payloadUnchanged(same, existing, 's')).toBe(true);
    expect(payloadUnchanged({ ...same, id: 999 } as unknown as typeof same, existing, 's')).toBe(true);
    expect(payloadUnchanged({ email: bilbo.email!, addresses: [] } as typeof same, existing, 's')).toBe(true);
    expect(payloadUnchanged({ ...same, note: 'other' }, existing, 's')).toBe(false);
    expect(payloadUnchanged({ ...same, accepts_marketing: !bilbo.accepts_marketing }, existing, 's')).toBe(false);
    expect(payloadUnchanged({ ...same, addresses: [{ address1: 'elsewhere', default: true }] } as typeof same, existing, 's')).toBe(false);
  });
});
