import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCustomer, type Customer } from '../../../src/core/customer.js';
import { parseCondition } from '../../../src/core/query.js';
import { criteriaParams, planSearch } from '../../../src/dialects/cabinetry/criteria.js';
import { satisfies } from '../../../src/dialects/cabinetry/emulator.js';
import { fromWire, project, toWire } from '../../../src/dialects/cabinetry/mapping.js';
import { ListEnvelopeSchema, OneEnvelopeSchema, WireCustomerSchema } from '../../../src/dialects/cabinetry/schema.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/cabinetry/${name}.json`, import.meta.url), 'utf8'));

const johnDoe: Customer = {
  key: '1234',
  email: 'john@example.com',
  company: 'John Doe Kitchens',
  phone: '52 1234 1234',
  mobile: '0480123456',
  status: 'active',
  discountPercent: 0,
  externalId: 'AW-1234',
  addresses: [
    { kind: 'billing', isDefault: true, lines: ['123 Summer St'], city: 'Boggy Creek', region: 'Victoria', regionCode: 'VIC', postcode: '3268', country: 'Australia', countryCode: 'AU' },
    { kind: 'shipping', isDefault: true, name: 'Shop', externalId: 'Id-123', lines: ['123 Summer St'], city: 'Boggy Creek', region: 'Victoria', regionCode: 'VIC', postcode: '3268', country: 'Australia', countryCode: 'AU' },
    { kind: 'shipping', isDefault: false, name: 'Warehouse', lines: ['123 Back Road'], city: 'Boggy Creek', region: 'Victoria', regionCode: 'VIC', postcode: '3268', country: 'Australia', countryCode: 'AU' },
  ],
  groups: [],
  custom: {
    cc_email: 'harry@example.com',
    minimum_charge_amount: '30',
    minimum_freight_amount: '0',
    default_depot_id: '12',
    'settings.is_beta': 'true',
    'settings.is_assembly_enabled': 'false',
  },
  source: { system: 'cabinetry', profile: 'cab', id: '1234' },
};

describe('cabinetry mapping, with the document examples', () => {
  it('reads the Customer record of the document', () => {
    const customer = fromWire(WireCustomerSchema.parse(fixture('customer')), 'cab');
    expect(customer).toEqual(johnDoe);
    expect(parseCustomer(customer)).toEqual(customer);
  });

  it('reads the list example: labels are groups, is_suspended is the status, manufacturerId is tolerated', () => {
    const list = ListEnvelopeSchema.parse(fixture('list-response'));
    const stevo = fromWire(list.items[1], 'cab');
    expect(stevo).toMatchObject({ key: '1368', company: "Stevo's Kitchens", groups: ['Retail', 'Trade'], status: 'suspended' });
    expect(stevo.custom['settings.is_assembly_enabled']).toBe('true');
    // The unnamed ("") delivery address keeps no name.
    expect(stevo.addresses.find((a) => a.kind === 'shipping')).not.toHaveProperty('name');
    expect(list.pagination).toEqual({ current_page: 1, page_count: 10, page_size: 5, total_count: 46 });
  });

  it('writes the create request of the document from the record it answers with', () => {
    const created = OneEnvelopeSchema.parse(fixture('create-response')).customer;
    const { payload, problems } = toWire(fromWire(created, 'cab'));
    expect(problems).toEqual([]);
    expect(payload).toEqual({ ...fixture('create-request'), customer_labels: [] });
    expect(payload).not.toHaveProperty('id');
    expect(payload).not.toHaveProperty('manufacturer_id');
  });

  it('turns the sign of price_adjustment: a 10 % discount is an adjustment of -10', () => {
    expect(fromWire({ ...fixture('customer'), price_adjustment: -10 }, 'cab').discountPercent).toBe(10);
    expect(toWire({ ...johnDoe, discountPercent: 12.5 }).payload.price_adjustment).toBe(-12.5);
  });

  it('sends the full name when there is no company, and keeps the company over it', () => {
    expect(toWire({ ...johnDoe, company: undefined, firstName: 'Ann', lastName: "O'Hara" }).payload.name).toBe("Ann O'Hara");
    expect(toWire({ ...johnDoe, firstName: 'Ann', lastName: 'Lee' }).payload.name).toBe('John Doe Kitchens');
  });

  it('checks the mandatory fields before sending', () => {
    expect(toWire({ ...johnDoe, phone: undefined }).problems).toEqual(['phone is mandatory: the record has no phone']);
    expect(toWire({ ...johnDoe, email: undefined, company: undefined }).problems).toEqual([
      'name is mandatory: the record has no company and no first or last name',
      'email is mandatory: the record has no email',
    ]);
    expect(toWire({ ...johnDoe, addresses: [] }).problems).toEqual(['a contact address is mandatory: the record has no billing or shipping address']);
    const stateless = johnDoe.addresses.map((a) => ({ ...a, region: undefined, regionCode: undefined }));
    expect(toWire({ ...johnDoe, addresses: stateless }).problems[0]).toMatch(/contact address must have a state/);
    // A state code alone is enough (the document: *_code fields can be given instead).
    expect(toWire({ ...johnDoe, addresses: johnDoe.addresses.map((a) => ({ ...a, region: undefined })) }).problems).toEqual([]);
  });

  it('uses the default delivery address as the contact address when there is no billing address', () => {
    const onlyShipping = { ...johnDoe, addresses: johnDoe.addresses.slice(1).reverse() };
    const { payload, problems } = toWire(onlyShipping);
    expect(problems).toEqual([]);
    expect(payload.contact_address).toEqual(fixture('address'));
    expect(payload.delivery_address.map((a) => [a.name, a.default])).toEqual([['Shop', true], ['Warehouse', false]]);
  });

  it('delivers to the contact address when there is no delivery address, with exactly one default', () => {
    const { payload } = toWire({ ...johnDoe, addresses: johnDoe.addresses.slice(0, 1) });
    expect(payload.delivery_address).toEqual([{ ...fixture('address'), default: true }]);
    const projected = project({ ...johnDoe, addresses: johnDoe.addresses.slice(0, 1) }, 'cab');
    expect(projected.addresses.filter((a) => a.kind === 'shipping')).toHaveLength(1);
  });

  it('maps status both ways: suspended (and disabled) set is_suspended, anything else clears it', () => {
    expect(toWire({ ...johnDoe, status: 'suspended' }).payload.settings.is_suspended).toBe(true);
    expect(toWire({ ...johnDoe, status: 'disabled' }).payload.settings.is_suspended).toBe(true);
    expect(toWire({ ...johnDoe, status: 'active' }).payload.settings).toEqual({ is_beta: true, is_assembly_enabled: false, is_suspended: false });
    expect(toWire({ ...johnDoe, status: undefined }).payload.settings).not.toHaveProperty('is_suspended');
  });

  it('projects a record as Cabinetry stores it: the name becomes the company', () => {
    const person = parseCustomer({ key: 'k1', email: 'a@b.co', firstName: 'Ann', lastName: 'Lee', phone: '1', addresses: johnDoe.addresses });
    const projected = project(person, 'cab');
    expect(projected).toMatchObject({ key: 'k1', company: 'Ann Lee', status: 'active' });
    expect(projected.firstName).toBeUndefined();
    expect(project(johnDoe, 'cab')).toEqual(johnDoe);
  });
});

describe('cabinetry search criteria', () => {
  const plan = (...exprs: string[]) => planSearch(exprs.map(parseCondition));

  it('pushes every operator on email down, ~ as like %…%', () => {
    const ops = { '=': 'eq', '!=': 'neq', '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte' } as const;
    for (const [op, cond] of Object.entries(ops)) {
      expect(criteriaParams(plan(`email ${op} m@x.io`).criteria)).toEqual({ [`filter[email][${cond}]`]: 'm@x.io' });
    }
    expect(criteriaParams(plan('email ~ @example').criteria)).toEqual({ 'filter[email][like]': '%@example%' });
  });

  it('maps canonical names to the searchable fields and keeps unsafe ones on the client', () => {
    const { criteria, clientOnly } = plan('company = Acme', 'phone ~ 1234', 'groups = Trade', 'name != Bob', 'discount_percent > 5', 'status = suspended', 'note = X');
    expect(criteriaParams(criteria)).toEqual({
      'filter[name][eq]': 'Acme',
      'filter[phone][like]': '%1234%',
      'filter[customer_labels][eq]': 'Trade',
      'filter[price_adjustment][lt]': '-5',
      'filter[settings.is_suspended][eq]': '1',
    });
    expect(clientOnly.map((c) => c.field)).toEqual(['name', 'note']);
  });
});

describe('cabinetry emulator conditions', () => {
  it('compares text without regard to case, lists by any item, numbers as numbers', () => {
    expect(satisfies('John@Example.com', 'eq', 'john@example.com')).toBe(true);
    expect(satisfies('John@Example.com', 'like', '%EXAMPLE%')).toBe(true);
    expect(satisfies(['Retail', 'Trade'], 'eq', 'trade')).toBe(true);
    expect(satisfies(['Retail', 'Trade'], 'neq', 'trade')).toBe(false);
    expect(satisfies(9, 'lt', '10')).toBe(true);
    expect(satisfies('b', 'gt', 'A')).toBe(true);
    expect(satisfies('x', 'in', 'a, X')).toBe(true);
    expect(satisfies(false, 'eq', '0')).toBe(true);
    expect(satisfies(null, 'neq', 'a')).toBe(true);
  });
});
