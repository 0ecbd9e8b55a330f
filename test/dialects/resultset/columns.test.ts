import { describe, expect, it } from 'vitest';
import { parseCustomer } from '../../../src/core/customer.js';
import { fromWire, groupTitle, isTrue, project, toInstant, toWire } from '../../../src/dialects/resultset/mapping.js';
import { CustomerNode } from '../../../src/dialects/resultset/schema.js';

/**
 * ResultSet columns ⇄ canonical fields, one by one (SPEC section 4,
 * docs/dialects/resultset.md "Mapping"): each expected value is written out
 * here, not computed by the mapping, so a column read or written wrongly (or
 * inverted both ways) fails.
 */
const node = (columns: Record<string, unknown>) => CustomerNode.parse({ username: 'u1', ...columns });

describe('fromWire, column by column', () => {
  it('names, phones, flags, discount and custom columns', () => {
    const c = fromWire(
      node({
        email: ' ann@example.com ',
        b_fname: 'Ann',
        b_lname: 'Ash',
        b_company: 'Ash & Co',
        phone_day: '+64 4 555 0100',
        phone_night: '021 555 0101',
        no_email: '1',
        inactive: 'yes',
        discount: '12.5',
        mv_shipmode: 'courier',
        custom_data3: 'c3',
      }),
      'shop',
    );
    expect(c).toMatchObject({
      key: 'u1',
      email: 'ann@example.com',
      firstName: 'Ann',
      lastName: 'Ash',
      company: 'Ash & Co',
      phone: '+64 4 555 0100',
      altPhone: '021 555 0101',
      marketingOptIn: false,
      status: 'disabled',
      discountPercent: 12.5,
      custom: { mv_shipmode: 'courier', custom_data3: 'c3' },
      source: { system: 'resultset', profile: 'shop', id: 'u1' },
    });
  });

  it('no_email 0 is opted in, inactive 0 is active; blank or unreadable flags are absent', () => {
    expect(fromWire(node({ no_email: '0', inactive: 'off' }), 's')).toMatchObject({ marketingOptIn: true, status: 'active' });
    const blank = fromWire(node({ no_email: ' ', inactive: 'maybe', discount: '10%' }), 's');
    expect(blank.marketingOptIn).toBeUndefined();
    expect(blank.status).toBeUndefined();
    expect(blank.discountPercent).toBeUndefined();
    expect(fromWire(node({ discount: '-5' }), 's').discountPercent).toBe(-5);
    expect(fromWire(node({ discount: '5.' }), 's').discountPercent).toBeUndefined();
  });

  it('billing from b_*, shipping from the unprefixed columns, three street columns', () => {
    const c = fromWire(
      node({
        b_fname: 'Ann',
        b_address1: '1 Main St',
        b_address2: 'Unit 2',
        b_city: 'Wellington',
        b_state: 'WGN',
        b_zip: '6011',
        b_country: 'NZ',
        fname: 'Bob',
        address1: '9 Dock Rd',
        address3: 'Rear',
        city: 'Auckland',
      }),
      's',
    );
    expect(c.addresses).toStrictEqual([
      { kind: 'billing', isDefault: true, firstName: 'Ann', lines: ['1 Main St', 'Unit 2'], city: 'Wellington', region: 'WGN', postcode: '6011', countryCode: 'NZ' },
      { kind: 'shipping', isDefault: true, firstName: 'Bob', lines: ['9 Dock Rd', '', 'Rear'], city: 'Auckland' },
    ]);
  });

  it('shipping columns equal to the billing ones are no shipping address; different ones are', () => {
    const same = fromWire(node({ b_address1: '1 Main St', b_city: 'X', address1: '1 Main St', city: 'X' }), 's');
    expect(same.addresses.map((a) => a.kind)).toStrictEqual(['billing']);
    const trailing = fromWire(node({ b_address1: '1 Main St', b_city: 'X', address1: '1 Main St', address2: ' ', city: 'X' }), 's');
    expect(trailing.addresses.map((a) => a.kind)).toStrictEqual(['billing']);
    const other = fromWire(node({ b_address1: '1 Main St', b_city: 'X', address1: '1 Main St', city: 'Y' }), 's');
    expect(other.addresses.map((a) => a.kind)).toStrictEqual(['billing', 'shipping']);
    const onlyShipping = fromWire(node({ address1: '1 Main St' }), 's');
    expect(onlyShipping.addresses).toStrictEqual([{ kind: 'shipping', isDefault: true, lines: ['1 Main St'] }]);
    expect(fromWire(node({}), 's').addresses).toStrictEqual([]);
    const otherStreet = fromWire(node({ b_address1: '1 Main St', b_city: 'X', address1: '2 Main St', city: 'X' }), 's');
    expect(otherStreet.addresses.map((a) => a.kind)).toStrictEqual(['billing', 'shipping']);
  });

  it('a repeated group code keeps the title of its first node; a group whose UserGroup list is empty has no title', () => {
    const c = fromWire(
      node({
        UserCustomerGroup: [
          { group_code: 'vip', UserGroup: [{ code: 'vip', title: 'First' }] },
          { group_code: 'vip', UserGroup: [{ code: 'vip', title: 'Second' }] },
          { group_code: 'news', UserGroup: [] },
        ],
      }),
      's',
    );
    expect(c.groups).toStrictEqual(['vip', 'news']);
    expect(c.custom).toStrictEqual({ 'group_title.vip': 'First' });
  });

  it('discount: a plain decimal number, nothing else; dates read as instants', () => {
    expect(fromWire(node({ discount: '5.25' }), 's').discountPercent).toBe(5.25);
    expect(fromWire(node({ discount: 'x5' }), 's').discountPercent).toBeUndefined();
    const dated = fromWire(node({ date_created: '2026-01-02 03:04:05', date_updated: '2026-02-03T04:05:06+01:00' }), 's');
    expect([dated.createdAt, dated.updatedAt]).toStrictEqual(['2026-01-02T03:04:05.000Z', '2026-02-03T03:05:06.000Z']);
  });

  it('groups: trimmed, blank and repeated codes dropped, titles and unsubscriptions kept in custom', () => {
    const c = fromWire(
      node({
        UserCustomerGroup: [
          { group_code: ' vip ', UserGroup: [{ code: 'vip', title: ' Very Important ' }] },
          { group_code: 'vip' },
          { group_code: ' ' },
          { group_code: 'news', subscribed: '0' },
          { group_code: 'staff', subscribed: '1', UserGroup: [{ code: 'staff' }] },
        ],
      }),
      's',
    );
    expect(c.groups).toStrictEqual(['vip', 'news', 'staff']);
    expect(c.custom).toStrictEqual({ 'group_title.vip': 'Very Important', 'group_subscribed.news': 'false' });
  });
});

describe('toWire, field by field', () => {
  it('every column a full record writes, in the column order of the API', () => {
    const wire = toWire(
      parseCustomer({
        key: 'u1',
        email: 'ann@example.com',
        firstName: 'Ann',
        lastName: 'Ash',
        company: 'Ash & Co',
        phone: '111',
        altPhone: '222',
        status: 'suspended',
        discountPercent: 12.4,
        marketingOptIn: false,
        custom: { mv_shipmode: 'courier', custom_data4: 'd4', other: 'x' },
        addresses: [
          { kind: 'billing', isDefault: true, firstName: 'Bill', lines: ['1 Main St', 'Unit 2', 'Floor 3', 'Door 4'], city: 'Town', regionCode: 'WGN', postcode: '6011', countryCode: 'nz' },
          { kind: 'shipping', isDefault: true, lastName: 'Ship', lines: ['9 Dock Rd'], city: 'Port', region: 'Auckland', country: 'NZ' },
        ],
      }),
    );
    expect(wire).toStrictEqual({
      username: 'u1',
      email: 'ann@example.com',
      phone_day: '111',
      phone_night: '222',
      b_company: 'Ash & Co',
      b_fname: 'Ann',
      b_lname: 'Ash',
      b_address1: '1 Main St',
      b_address2: 'Unit 2',
      b_address3: 'Floor 3, Door 4',
      b_city: 'Town',
      b_state: 'WGN',
      b_zip: '6011',
      b_country: 'NZ',
      lname: 'Ship',
      address1: '9 Dock Rd',
      city: 'Port',
      state: 'Auckland',
      country: 'NZ',
      inactive: '1',
      discount: '12',
      no_email: '1',
      mv_shipmode: 'courier',
      custom_data4: 'd4',
    });
    expect(Object.keys(wire)).toStrictEqual(['username', 'email', 'phone_day', 'phone_night', 'b_company', 'b_fname', 'b_lname', 'b_address1', 'b_address2', 'b_address3', 'b_city', 'b_state', 'b_zip', 'b_country', 'lname', 'address1', 'city', 'state', 'country', 'inactive', 'discount', 'no_email', 'mv_shipmode', 'custom_data4']);
  });

  it('opted in is no_email 0; active, invited and guest are inactive 0; disabled and declined 1', () => {
    expect(toWire(parseCustomer({ key: 'a', marketingOptIn: true })).no_email).toBe('0');
    for (const status of ['active', 'invited', 'guest'] as const) expect(toWire(parseCustomer({ key: 'a', status })).inactive, status).toBe('0');
    for (const status of ['disabled', 'declined', 'suspended'] as const) expect(toWire(parseCustomer({ key: 'a', status })).inactive, status).toBe('1');
  });

  it('a bare record writes its username only; empty values are not written', () => {
    expect(toWire(parseCustomer({ key: 'a' }))).toStrictEqual({ username: 'a' });
    expect(toWire(parseCustomer({ key: 'a', firstName: '', addresses: [{ kind: 'billing', isDefault: true, lines: ['', ''], city: '' }] }))).toStrictEqual({ username: 'a' });
  });

  it('names fall back to the address; the phone to the primary address; the mobile is the night phone', () => {
    const wire = toWire(parseCustomer({ key: 'a', mobile: '333', addresses: [{ kind: 'billing', isDefault: true, firstName: 'F', lastName: 'L', company: 'C', lines: [], phone: '444' }] }));
    expect(wire).toStrictEqual({ username: 'a', phone_day: '444', phone_night: '333', b_company: 'C', b_fname: 'F', b_lname: 'L' });
  });

  it('a country that is not a two-letter code is not written; a shipping-only record writes it as b_*', () => {
    expect(toWire(parseCustomer({ key: 'a', addresses: [{ kind: 'billing', isDefault: true, lines: [], country: 'New Zealand' }] }))).toStrictEqual({ username: 'a' });
    expect(toWire(parseCustomer({ key: 'a', addresses: [{ kind: 'shipping', isDefault: true, lines: ['1 Road'], country: 'nz' }] }))).toStrictEqual({ username: 'a', b_address1: '1 Road', b_country: 'NZ' });
  });

  it('a shipping address equal to the billing one is not sent again', () => {
    const address = { isDefault: true, lines: ['1 Road'], city: 'X' };
    const wire = toWire(parseCustomer({ key: 'a', addresses: [{ kind: 'billing', ...address }, { kind: 'shipping', ...address }] }));
    expect(wire).toStrictEqual({ username: 'a', b_address1: '1 Road', b_city: 'X' });
  });

  it('groups as UserCustomerGroup nodes; an unsubscription as subscribed 0; none is no node', () => {
    expect(toWire(parseCustomer({ key: 'a', groups: ['vip', 'news'], custom: { 'group_subscribed.news': 'false' } })).UserCustomerGroup).toStrictEqual([
      { username: 'a', group_code: 'vip' },
      { username: 'a', group_code: 'news', subscribed: '0' },
    ]);
    expect(toWire(parseCustomer({ key: 'a' })).UserCustomerGroup).toBeUndefined();
  });
});

describe('helpers', () => {
  it('isTrue reads the forms the API writes, trimmed and in any case', () => {
    for (const yes of ['1', 'true', 'YES', 'y', ' on ']) expect(isTrue(yes), yes).toBe(true);
    for (const no of ['0', 'False', 'no', 'N', ' off ']) expect(isTrue(no), no).toBe(false);
    for (const neither of [undefined, '', '  ', '2', 'yes!', 'not', 'onward', '10', 'non', 'upon']) expect(isTrue(neither), String(neither)).toBeUndefined();
  });

  it('toInstant: with an offset as it is, without one as UTC, unreadable kept as it came', () => {
    expect(toInstant('2026-03-01 10:00:00')).toBe('2026-03-01T10:00:00.000Z');
    expect(toInstant(' 2026-03-01T10:00:00+02:00 ')).toBe('2026-03-01T08:00:00.000Z');
    expect(toInstant('2026-03-01T10:00:00-0130')).toBe('2026-03-01T11:30:00.000Z');
    expect(toInstant('2026-03-01T10:00:00z')).toBe('2026-03-01T10:00:00.000Z');
    expect(toInstant('yesterday')).toBe('yesterday');
    expect(toInstant(undefined)).toBeUndefined();
    expect(toInstant('')).toBeUndefined();
  });

  it('groupTitle: the title kept in custom, else the code', () => {
    expect(groupTitle(parseCustomer({ key: 'a', custom: { 'group_title.vip': 'Very Important' } }), 'vip')).toBe('Very Important');
    expect(groupTitle(parseCustomer({ key: 'a' }), 'vip')).toBe('vip');
  });

  it('project keeps the dates, the source and the group titles; drops the password hash', () => {
    const record = parseCustomer({
      key: 'a',
      groups: ['vip'],
      custom: { 'group_title.vip': 'Very Important', other: 'x' },
      passwordHash: 'h',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-02-01T00:00:00.000Z',
      source: { system: 'spiffy', profile: 'old', id: '9' },
    });
    const projected = project(record, 'shop');
    expect(projected.custom).toStrictEqual({ 'group_title.vip': 'Very Important' });
    expect(projected).toMatchObject({ key: 'a', groups: ['vip'], createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-02-01T00:00:00.000Z', source: { system: 'spiffy', profile: 'old', id: '9' } });
    expect(projected.passwordHash).toBeUndefined();
  });

  it('project keeps what the columns hold in custom, and no title for a group without one', () => {
    const record = parseCustomer({ key: 'a', groups: ['vip', 'news'], custom: { mv_shipmode: 'courier', 'group_subscribed.news': 'false' } });
    expect(project(record, 'shop').custom).toStrictEqual({ mv_shipmode: 'courier', 'group_subscribed.news': 'false' });
  });

  it('street lines past the second are joined into address3, blank ones left out', () => {
    const wire = toWire(parseCustomer({ key: 'a', addresses: [{ kind: 'billing', isDefault: true, lines: ['1', '2', '', '4', '5'] }] }));
    expect(wire.b_address3).toBe('4, 5');
  });
});
