import { describe, expect, it } from 'vitest';
import { parseCustomer, type Customer } from '../../../src/core/customer.js';
import { fromWire, negate, project, toWire, wireName } from '../../../src/dialects/cabinetry/mapping.js';
import type { WireCustomer } from '../../../src/dialects/cabinetry/schema.js';

/** Cabinetry's payload and its reading, field by field with the expected wire values written out (SPEC section 4, docs/dialects/cabinetry.md). */
const wire = (fields: Record<string, unknown>) => ({ id: 7, ...fields }) as unknown as WireCustomer;
const region = { region: 'NSW' };

describe('toWire', () => {
  it('a depot id is sent as a number only when it is all digits', () => {
    expect(toWire(parseCustomer({ key: '1', custom: { default_depot_id: '12a' } })).payload.default_depot_id).toBe('12a');
    expect(toWire(parseCustomer({ key: '1', custom: { default_depot_id: '12' } })).payload.default_depot_id).toBe(12);
  });

  it('every field a full record sends', () => {
    const { payload, problems } = toWire(
      parseCustomer({
        key: '7',
        email: 'ann@example.com',
        company: 'Ash & Co',
        phone: '555',
        mobile: '0400',
        groups: ['trade'],
        discountPercent: 10,
        externalId: 'X-1',
        status: 'disabled',
        custom: { cc_email: 'cc@example.com', minimum_charge_amount: '50', minimum_freight_amount: '7.5', default_depot_id: '12', 'settings.show_prices': 'true', 'settings.notify': 'false' },
        addresses: [
          { kind: 'billing', isDefault: true, lines: ['1 Main St'], city: 'Sydney', region: 'New South Wales', regionCode: 'NSW', postcode: '2000', country: 'Australia', countryCode: 'AU' },
          { kind: 'shipping', isDefault: false, lines: ['2 Side St'], city: 'Parramatta', ...region, name: 'Depot', externalId: 'D-2' },
          { kind: 'shipping', isDefault: true, lines: ['3 Main Rd'], ...region },
        ],
      }),
    );
    expect(problems).toStrictEqual([]);
    expect(payload).toStrictEqual({
      name: 'Ash & Co',
      email: 'ann@example.com',
      phone: '555',
      mobile: '0400',
      cc_email: 'cc@example.com',
      price_adjustment: -10,
      minimum_charge_amount: 50,
      minimum_freight_amount: 7.5,
      default_depot_id: 12,
      external_id: 'X-1',
      customer_labels: ['trade'],
      contact_address: { street: ['1 Main St'], suburb: 'Sydney', state: 'New South Wales', state_code: 'NSW', postcode: '2000', country: 'Australia', country_code: 'AU' },
      delivery_address: [
        { street: ['3 Main Rd'], state: 'NSW', default: true },
        { street: ['2 Side St'], suburb: 'Parramatta', state: 'NSW', default: false, name: 'Depot', external_id: 'D-2' },
      ],
      settings: { show_prices: true, notify: false, is_suspended: true },
    });
  });

  it('a record with only a contact address is delivered there (without its external id); a depot that is not a number stays text', () => {
    const { payload } = toWire(parseCustomer({ key: '1', email: 'a@example.com', firstName: 'Ann', lastName: 'Ash', phone: '1', custom: { default_depot_id: 'D7' }, addresses: [{ kind: 'billing', isDefault: true, lines: ['1 Road'], region: 'QLD', externalId: 'B-1' }] }));
    expect(payload.delivery_address).toStrictEqual([{ street: ['1 Road'], state: 'QLD', default: true }]);
    expect(payload.default_depot_id).toBe('D7');
    expect(payload.name).toBe('Ann Ash');
  });

  it('without a billing address the first delivery address is the contact address; the phone falls back to the billing address', () => {
    const shippingOnly = toWire(parseCustomer({ key: '1', email: 'a@example.com', company: 'C', phone: '1', addresses: [{ kind: 'shipping', isDefault: true, lines: ['9 Dock'], regionCode: 'VIC' }] }));
    expect(shippingOnly.payload.contact_address).toStrictEqual({ street: ['9 Dock'], state_code: 'VIC' });
    expect(shippingOnly.problems).toStrictEqual([]);
    const billingPhone = toWire(parseCustomer({ key: '1', email: 'a@example.com', company: 'C', addresses: [{ kind: 'billing', isDefault: true, lines: [], region: 'X', phone: '777' }] }));
    expect(billingPhone.payload.phone).toBe('777');
  });

  it('status: suspended and disabled are is_suspended true, others false, none not sent', () => {
    const settings = (status?: Customer['status']) => toWire(parseCustomer({ key: '1', status })).payload.settings;
    expect(settings('suspended')).toStrictEqual({ is_suspended: true });
    expect(settings('active')).toStrictEqual({ is_suspended: false });
    expect(settings('invited')).toStrictEqual({ is_suspended: false });
    expect(settings()).toStrictEqual({});
  });

  it('names every mandatory field that is missing, and values the API would refuse', () => {
    expect(toWire(parseCustomer({ key: '1' })).problems).toStrictEqual([
      'name is mandatory: the record has no company and no first or last name',
      'email is mandatory: the record has no email',
      'phone is mandatory: the record has no phone',
      'a contact address is mandatory: the record has no billing or shipping address',
    ]);
    const odd = toWire(
      parseCustomer({
        key: '1',
        company: 'C',
        email: 'not-an-email',
        phone: '1',
        custom: { minimum_charge_amount: 'lots', 'settings.show_prices': 'yes', 'settings.is_suspended': 'true', 'settings.': 'x' },
        addresses: [{ kind: 'shipping', isDefault: true, lines: ['1'] }],
      }),
    );
    expect(odd.problems).toStrictEqual([
      'custom.minimum_charge_amount must be a number, not "lots"',
      'custom.settings.show_prices must be true or false, not "yes"',
      'email "not-an-email" is not a valid email address',
      'the contact address must have a state: the shipping address has no region or region code',
    ]);
    expect(odd.payload.settings).toStrictEqual({});
    expect(toWire(parseCustomer({ key: '1', company: 'C', email: 'a@example.com', phone: '1', addresses: [{ kind: 'billing', isDefault: true, lines: ['1'] }] })).problems).toStrictEqual([
      'the contact address must have a state: the billing address has no region or region code',
    ]);
  });

  it('wireName: the company, else the full name with a middle name, else nothing', () => {
    expect(wireName(parseCustomer({ key: '1', company: 'C', firstName: 'A' }))).toBe('C');
    expect(wireName(parseCustomer({ key: '1', firstName: 'A', middleName: 'B', lastName: 'C' }))).toBe('A B C');
    expect(wireName(parseCustomer({ key: '1' }))).toBeUndefined();
    expect(negate(0)).toBe(0);
    expect(Object.is(negate(0), -0)).toBe(false);
    expect(negate(5)).toBe(-5);
  });
});

describe('fromWire', () => {
  it('a customer with only an id and a name: nothing else is made up', () => {
    expect(fromWire(wire({ name: 'Acme' }), 'cab')).toStrictEqual(
      parseCustomer({ key: '7', company: 'Acme', status: 'active', source: { system: 'cabinetry', profile: 'cab', id: '7' } }),
    );
  });

  it('null amounts are absent, not 0', () => {
    const c = fromWire(wire({ price_adjustment: null, minimum_charge_amount: null, minimum_freight_amount: '' }), 'cab');
    expect(c.discountPercent).toBeUndefined();
    expect(c.custom).toStrictEqual({});
  });

  it('an address with a suburb but no street is kept, with no lines; one with nothing is dropped', () => {
    const c = fromWire(wire({ contact_address: { suburb: 'Town' }, delivery_address: [{ street: [' '], default: true }] }), 'cab');
    expect(c.addresses).toStrictEqual([{ kind: 'billing', isDefault: true, lines: [], city: 'Town' }]);
  });

  it('the delivery address flagged default is the default shipping address, also when it is not the first', () => {
    const c = fromWire(wire({ delivery_address: [{ street: ['1 Road'] }, { street: ['2 Road'], default: true }] }), 'cab');
    expect(c.addresses.map((a) => [a.lines[0], a.isDefault])).toEqual([['1 Road', false], ['2 Road', true]]);
  });

  it('settings: null ones are left out, text is kept as it is, objects as JSON', () => {
    const c = fromWire(wire({ settings: { a: null, b: undefined, label: 'x', flag: true, n: 2, o: { k: 1 } } }), 'cab');
    expect(c.custom).toStrictEqual({ 'settings.label': 'x', 'settings.flag': 'true', 'settings.n': '2', 'settings.o': '{"k":1}' });
  });

  it('every field, with the discount the negated adjustment and settings kept in custom', () => {
    const c = fromWire(
      wire({
        email: ' a@example.com ',
        name: 'Ash & Co',
        phone: '555',
        mobile: '0400',
        cc_email: 'cc@example.com',
        price_adjustment: '-12.5',
        minimum_charge_amount: '50',
        minimum_freight_amount: 0,
        default_depot_id: 3,
        external_id: 'X',
        customer_labels: ['trade'],
        settings: { is_suspended: '1', show_prices: true, limits: { a: 1 }, gone: null },
        contact_address: { street: ['1 Main St'], suburb: 'Sydney', state: 'NSW', state_code: 'NSW', postcode: '2000', country: 'Australia', country_code: 'AU' },
        delivery_address: [
          { street: ['2 Side St'], default: 0, name: 'Depot', external_id: 'D-2' },
          { street: [null, '3 Main Rd'], default: 1 },
          { street: [], default: false },
          { street: [''], default: false, name: 'Named only' },
        ],
      }),
      'cab',
    );
    expect(c).toMatchObject({
      key: '7',
      email: 'a@example.com',
      company: 'Ash & Co',
      phone: '555',
      mobile: '0400',
      groups: ['trade'],
      status: 'suspended',
      discountPercent: 12.5,
      externalId: 'X',
      custom: { cc_email: 'cc@example.com', minimum_charge_amount: '50', minimum_freight_amount: '0', default_depot_id: '3', 'settings.show_prices': 'true', 'settings.limits': '{"a":1}' },
      source: { system: 'cabinetry', profile: 'cab', id: '7' },
    });
    expect(c.addresses).toStrictEqual([
      { kind: 'billing', isDefault: true, lines: ['1 Main St'], city: 'Sydney', region: 'NSW', regionCode: 'NSW', postcode: '2000', country: 'Australia', countryCode: 'AU' },
      { kind: 'shipping', isDefault: false, lines: ['2 Side St'], name: 'Depot', externalId: 'D-2' },
      { kind: 'shipping', isDefault: true, lines: ['', '3 Main Rd'] },
      // Blank street lines and nothing else: no address, but the name keeps the delivery entry.
      { kind: 'shipping', isDefault: false, lines: [], name: 'Named only' },
    ]);
  });

  it('is_suspended true or 1 is suspended; anything else active; an empty contact address is none; blank numbers absent', () => {
    expect(fromWire(wire({ settings: { is_suspended: true } }), 'c').status).toBe('suspended');
    expect(fromWire(wire({ settings: { is_suspended: 1 } }), 'c').status).toBe('suspended');
    expect(fromWire(wire({ settings: { is_suspended: '0' } }), 'c').status).toBe('active');
    expect(fromWire(wire({}), 'c').status).toBe('active');
    const blank = fromWire(wire({ contact_address: { street: ['  '], suburb: ' ' }, price_adjustment: ' ', minimum_charge_amount: 'x', email: '  ' }), 'c');
    expect(blank.addresses).toStrictEqual([]);
    expect(blank.discountPercent).toBeUndefined();
    expect(blank.custom.minimum_charge_amount).toBeUndefined();
    expect(blank.email).toBeUndefined();
    expect(fromWire(wire({ price_adjustment: 0 }), 'c').discountPercent).toBe(0);
  });

  it('project reads the payload back, with the record key and its own source (or none)', () => {
    const record = parseCustomer({ key: 'K', email: 'a@example.com', company: 'C', source: { system: 'spiffy', profile: 's', id: '9' } });
    expect(project(record, 'cab')).toMatchObject({ key: 'K', company: 'C', status: 'active', source: { system: 'spiffy', profile: 's', id: '9' } });
    expect('source' in project(parseCustomer({ key: 'K' }), 'cab')).toBe(false);
  });
});
