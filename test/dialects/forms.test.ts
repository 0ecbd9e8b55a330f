import { describe, expect, it } from 'vitest';
import { parseCustomer, type Customer } from '../../src/core/customer.js';
import { projectThrough, type CsvForm, type FormRow } from '../../src/dialects/csv-form.js';
import { recogniseHeader } from '../../src/dialects/input-form.js';
import { matrixifyCsvDialect } from '../../src/dialects/matrixify-csv/index.js';
import { shopifyCsvDialect } from '../../src/dialects/shopify-csv/index.js';
import { woocommerceCsvDialect } from '../../src/dialects/woocommerce-csv/index.js';
import { headers } from '../helpers/form-headers.js';

const shopify = shopifyCsvDialect.form;
const woo = woocommerceCsvDialect.form;
const matrixify = matrixifyCsvDialect.form;

/** Header line + cells → one row as the reader hands it to the form (a naive split: test rows have no commas in cells). */
function row(header: string, cells: string[]): FormRow {
  const columns = header.split(',');
  expect(cells).toHaveLength(columns.length);
  return Object.fromEntries(columns.map((column, i) => [column, cells[i]]));
}

const context = { profileName: 'shopify-csv:export.csv' };

/** A record holding only what `form` can hold, projected through it, comes back as it was. */
function roundTrips(form: CsvForm, record: Customer): void {
  expect(projectThrough(form, record, 'x')).toEqual(record);
}

describe('Shopify customer CSV', () => {
  it('reads an admin export row: leading quotes, unicode, totals, yes/no, tags', () => {
    const cells = ["'7081234567890", 'José', 'Müller', 'jose.muller@example.com', 'yes', 'Café Olé S.A.', 'Calle 80 #12-34', 'Apto 501', 'Bogotá', 'DC', 'CO', "'110111", "'+573001112233", "'+573001112233", 'no', '1234.50', '7', 'Prefers calls', 'no', 'vip, wholesale'];
    const customer = shopify.toCustomer([row(headers.shopifyExport, cells)], context);
    expect(customer).toEqual(
      parseCustomer({
        key: '7081234567890',
        email: 'jose.muller@example.com',
        firstName: 'José',
        lastName: 'Müller',
        company: 'Café Olé S.A.',
        phone: '+573001112233',
        marketingOptIn: true,
        totalSpent: 1234.5,
        ordersCount: 7,
        note: 'Prefers calls',
        groups: ['vip', 'wholesale'],
        custom: { tax_exempt: 'false', accepts_sms_marketing: 'false' },
        addresses: [{ kind: 'shipping', isDefault: true, company: 'Café Olé S.A.', lines: ['Calle 80 #12-34', 'Apto 501'], city: 'Bogotá', regionCode: 'DC', countryCode: 'CO', postcode: '110111', phone: '+573001112233' }],
        source: { system: 'shopify-csv', profile: 'shopify-csv:export.csv', id: '7081234567890' },
      }),
    );
  });

  it('reads metafield columns into custom, the birth date into dateOfBirth, WhatsApp consent into custom', () => {
    const header = `${headers.shopifyExport},Accepts WhatsApp Marketing,Birth date (customer.metafields.facts.birth_date),Loyalty tier (customer.metafields.custom.loyalty_tier)`;
    const cells = ["'42", 'Ana', 'Gómez', 'ana@example.com', 'no', '', '', '', '', '', '', '', '', '', 'no', '0.00', '0', '', 'yes', '', 'yes', "'1990-05-17", 'gold'];
    const customer = shopify.toCustomer([row(header, cells)], context);
    expect(customer.dateOfBirth).toBe('1990-05-17');
    expect(customer.custom).toEqual({ tax_exempt: 'true', accepts_sms_marketing: 'false', accepts_whatsapp_marketing: 'true', 'custom.loyalty_tier': 'gold' });
    expect(customer.addresses).toEqual([]);
  });

  it('reads the form before 2022, with its country and province names', () => {
    const cells = ['Ana', 'Gómez', 'ana@example.com', 'Gómez SL', 'Gran Vía 1', '', 'Madrid', 'Madrid', 'M', 'Spain', 'ES', '28013', '+34 600 000 000', 'yes', '10', '1', 'b2b', '', 'no'];
    const customer = shopify.toCustomer([row(headers.shopifyLegacy, cells)], context);
    expect(customer.key).toBe('ana@example.com');
    expect(customer.marketingOptIn).toBe(true);
    expect(customer.addresses[0]).toMatchObject({ company: 'Gómez SL', region: 'Madrid', regionCode: 'M', country: 'Spain', countryCode: 'ES', postcode: '28013' });
  });

  it('keys a row without Customer ID by email, else phone, and refuses one with neither', () => {
    const blank = headers.shopifyTemplate.split(',').map(() => '');
    const phoneOnly = row(headers.shopifyTemplate, blank.map((_, i) => (i === 12 ? '+31 6 1234 5678' : '')));
    expect(shopify.toCustomer([phoneOnly], context).key).toBe('+31 6 1234 5678');
    expect(() => shopify.toCustomer([row(headers.shopifyTemplate, blank)], context)).toThrow('the row has no Customer ID or Phone');
  });

  it('names the column of a cell it cannot read', () => {
    const cells = headers.shopifyTemplate.split(',').map(() => '');
    cells[2] = 'a@b.c';
    cells[3] = 'maybe';
    expect(() => shopify.toCustomer([row(headers.shopifyTemplate, cells)], context)).toThrow(expect.objectContaining({ column: 'Accepts Email Marketing' }));
  });

  it('writes the import template and round trips every field it holds', () => {
    const record = parseCustomer({
      key: 'ana@example.com',
      email: 'ana@example.com',
      firstName: 'Ana',
      lastName: "O'Gómez",
      company: 'Gómez SL',
      phone: '+34 600 000 000',
      marketingOptIn: false,
      groups: ['vip', 'b2b trade'],
      note: 'line one\nline two',
      custom: { tax_exempt: 'true', accepts_sms_marketing: 'false' },
      addresses: [{ kind: 'shipping', isDefault: true, company: 'Gómez SL', lines: ['Gran Vía 1', '3º izq'], city: 'Madrid', regionCode: 'M', countryCode: 'ES', postcode: '28013', phone: '+34 911 000 000' }],
    });
    roundTrips(shopify, record);
    expect(Object.keys(shopify.toRows(record)[0])).toEqual(headers.shopifyTemplate.split(','));
    expect(shopify.toRows(record)[0]).toMatchObject({ 'Accepts Email Marketing': 'no', Tags: 'vip, b2b trade', 'Tax Exempt': 'yes', 'Accepts SMS Marketing': 'no' });
  });

  it('holds one address, two street lines, no title: the projection shows what is lost', () => {
    const record = parseCustomer({
      key: 'K1',
      title: 'Dr',
      custom: {},
      addresses: [
        { kind: 'billing', isDefault: true, lines: ['1 Billing Rd'], city: 'Leeds', countryCode: 'GB' },
        { kind: 'shipping', isDefault: true, lines: ['2 Ship St', 'Unit 4', 'Rear'], city: 'York', countryCode: 'GB' },
      ],
    });
    const projected = projectThrough(shopify, record, 'x');
    expect(projected.title).toBeUndefined();
    expect(projected.addresses).toEqual([{ kind: 'shipping', isDefault: true, lines: ['2 Ship St', 'Unit 4, Rear'], city: 'York', countryCode: 'GB' }]);
  });

  it('says that its headers are case-sensitive', () => {
    expect(shopify.knows('first name')).toBe(false);
    expect(shopify.hintFor?.('first name')).toBe('Shopify\'s headers are case-sensitive: "first name" must be "First Name"');
  });
});

describe('WooCommerce customer export', () => {
  it('matches columns by name and keeps meta: and other user columns in custom', () => {
    const header = `meta:loyalty_points,${headers.woocommerce.split(',').reverse().join(',')},username`;
    const values: Record<string, string> = {
      customer_id: '17',
      first_name: 'Jürgen',
      last_name: 'Müller',
      email: 'juergen@example.de',
      date_registered: '2023-01-15 10:20:30',
      billing_first_name: 'Jürgen',
      billing_last_name: 'Müller',
      billing_company: 'Müller GmbH',
      billing_email: 'rechnung@mueller.example.de',
      billing_phone: '+49 30 123456',
      billing_address_1: 'Hauptstraße 5',
      billing_address_2: '',
      billing_postcode: '10115',
      billing_city: 'Berlin',
      billing_state: 'BE',
      billing_country: 'DE',
      shipping_first_name: 'Jürgen',
      shipping_last_name: 'Müller',
      shipping_company: '',
      shipping_address_1: 'Lager 2',
      shipping_address_2: 'Tor 3',
      shipping_postcode: '10117',
      shipping_city: 'Berlin',
      shipping_state: 'BE',
      shipping_country: 'DE',
      'meta:loyalty_points': '120',
      username: 'jmueller',
    };
    const customer = woo.toCustomer([row(header, header.split(',').map((c) => values[c]))], { profileName: 'woo' });
    expect(customer).toMatchObject({
      key: '17',
      email: 'juergen@example.de',
      firstName: 'Jürgen',
      company: 'Müller GmbH',
      phone: '+49 30 123456',
      createdAt: '2023-01-15T10:20:30.000Z',
      custom: { billing_email: 'rechnung@mueller.example.de', loyalty_points: '120', username: 'jmueller' },
      source: { system: 'woocommerce-csv', profile: 'woo', id: '17' },
    });
    expect(customer.addresses).toEqual([
      { kind: 'billing', isDefault: true, firstName: 'Jürgen', lastName: 'Müller', company: 'Müller GmbH', phone: '+49 30 123456', lines: ['Hauptstraße 5'], postcode: '10115', city: 'Berlin', regionCode: 'BE', countryCode: 'DE' },
      { kind: 'shipping', isDefault: true, firstName: 'Jürgen', lastName: 'Müller', lines: ['Lager 2', 'Tor 3'], postcode: '10117', city: 'Berlin', regionCode: 'BE', countryCode: 'DE' },
    ]);
    // Read back from what it writes, it is the same record, customer_id and all.
    expect(woo.toCustomer(woo.toRows(customer), { profileName: 'woo' })).toEqual({ ...customer, custom: { billing_email: 'rechnung@mueller.example.de' } });
    expect(woo.toRows(customer)[0].customer_id).toBe('17');
  });

  it('writes no customer_id for a record of another system, and its columns in the export\'s order', () => {
    const record = parseCustomer({ key: '9001', email: 'a@b.co', custom: {}, source: { system: 'spiffy', profile: 'shop', id: '9001' } });
    const [written] = woo.toRows(record);
    expect(written.customer_id).toBe('');
    expect(Object.keys(written).sort()).toEqual(headers.woocommerce.split(',').sort());
  });
});

describe('Matrixify customers sheet', () => {
  const line = (cells: Record<string, string>) => row(headers.matrixify, headers.matrixify.split(',').map((c) => cells[c] ?? ''));

  it('reads one customer from its rows, one per address, and takes the default address', () => {
    const rows = [
      line({ ID: '6001', Email: 'li.wei@example.com', Command: 'MERGE', 'First Name': 'Wei', 'Last Name': 'Li', State: 'enabled', Language: 'zh-CN', Tags: 'vip', 'Tax Exempt': 'FALSE', 'Email Marketing: Status': 'subscribed', 'Address ID': '9001', 'Address Line 1': '1 Nanjing Rd', 'Address City': 'Shanghai', 'Address Country Code': 'CN', 'Address Is Default': 'FALSE', 'Total Spent': '99.90', 'Total Orders': '3', 'Created At': '2021-03-04 12:34:56 +0800' }),
      line({ ID: '6001', Email: 'li.wei@example.com', 'Address ID': '9002', 'Address Company': 'Wei Trading', 'Address Line 1': '8 Queen St', 'Address City': 'Auckland', 'Address Country Code': 'NZ', 'Address Is Default': 'TRUE' }),
    ];
    const customer = matrixify.toCustomer(rows, { profileName: 'mx' });
    expect(customer).toMatchObject({
      key: '6001',
      firstName: 'Wei',
      status: 'active',
      language: 'zh',
      groups: ['vip'],
      marketingOptIn: true,
      totalSpent: 99.9,
      ordersCount: 3,
      createdAt: '2021-03-04T04:34:56.000Z',
      company: 'Wei Trading',
      custom: { tax_exempt: 'false' },
    });
    expect(customer.addresses.map((a) => [a.externalId, a.isDefault])).toEqual([
      ['9001', false],
      ['9002', true],
    ]);
    expect(matrixify.groupOf!(rows[0])).toBe(matrixify.groupOf!(rows[1]));
  });

  it('writes one row per address with Command MERGE, the default first, and round trips every field it holds', () => {
    const record = parseCustomer({
      key: 'sam@example.com',
      email: 'sam@example.com',
      firstName: 'Sam',
      lastName: 'Ng',
      phone: '+1 416 555 0100',
      status: 'disabled',
      language: 'fr',
      note: '=not a formula',
      groups: ['a', 'b'],
      marketingOptIn: false,
      custom: { tax_exempt: 'true' },
      addresses: [
        { kind: 'shipping', isDefault: true, firstName: 'Sam', lines: ['1 Main St', 'Apt 2'], city: 'Montréal', region: 'Québec', regionCode: 'QC', country: 'Canada', countryCode: 'CA', postcode: 'H2X 1Y4', phone: '+1 514 555 0199' },
        { kind: 'shipping', isDefault: false, lines: ['9 Side St'], city: 'Laval', countryCode: 'CA', regionCode: 'QC' },
      ],
    });
    // Listed after another address, the default is still written first.
    const rows = matrixify.toRows({ ...record, addresses: [...record.addresses].reverse() });
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.Command === 'MERGE' && r.Email === 'sam@example.com' && r.ID === '')).toBe(true);
    expect(rows[0]['Address Is Default']).toBe('TRUE');
    expect(rows[0]['Address City']).toBe('Montréal');
    expect(rows[1]['First Name']).toBeUndefined();
    expect(rows[0]['Email Marketing: Status']).toBe('not_subscribed');
    roundTrips(matrixify, record);
  });

  it('writes ID and Address ID only for records whose ids are Shopify\'s', () => {
    const address = { kind: 'shipping' as const, isDefault: true, externalId: 'A1', lines: ['x'], city: 'y' };
    const shopifyRecord = parseCustomer({ key: '77', custom: {}, addresses: [address], source: { system: 'shopify-csv', profile: 'p', id: '77' } });
    const other = parseCustomer({ key: '77', email: 'e@x.io', custom: {}, addresses: [address], source: { system: 'cabinetry', profile: 'p', id: '77' } });
    expect(matrixify.toRows(shopifyRecord)[0]).toMatchObject({ ID: '77', 'Address ID': 'A1' });
    expect(matrixify.toRows(other)[0]).toMatchObject({ ID: '', 'Address ID': '' });
  });
});

describe('recognising a header', () => {
  const recognise = (header: string, ignoreUnknownColumns = false) => recogniseHeader(header.split(','), { name: 'in.csv', ignoreUnknownColumns }).dialect.id;

  it('knows each platform\'s header as the platforms publish it', () => {
    expect(recognise(headers.shopifyTemplate)).toBe('shopify-csv');
    expect(recognise(headers.shopifyExport)).toBe('shopify-csv');
    expect(recognise(`${headers.shopifyExport},Accepts WhatsApp Marketing,Birth date (customer.metafields.facts.birth_date)`)).toBe('shopify-csv');
    expect(recognise(headers.shopifyLegacy)).toBe('shopify-csv');
    expect(recognise(headers.woocommerce)).toBe('woocommerce-csv');
    expect(recognise(`${headers.woocommerce},meta:loyalty,username,role`)).toBe('woocommerce-csv');
    expect(recognise(headers.matrixify)).toBe('matrixify-csv');
    expect(recognise(`${headers.matrixify},Metafield: custom.tier [single_line_text_field],Row #,Top Row`)).toBe('matrixify-csv');
  });

  it('takes a hand-made list and canonical columns as canonical CSV', () => {
    expect(recognise('email,first_name,last_name')).toBe('csv');
    expect(recognise('key,email,groups,billing_city')).toBe('csv');
    expect(recognise('reason,key,email')).toBe('csv');
    // A canonical header with a typo: the canonical reader names the column.
    expect(recognise('key,email,frist_name')).toBe('csv');
  });

  it('refuses a header that fits two forms, naming the columns and the forms', () => {
    expect(() => recognise('First Name,Last Name,Email,Tags')).toThrow(
      'in.csv: the header fits more than one form: Shopify customer CSV, Matrixify customers sheet (columns "First Name", "Last Name", "Email", "Tags")',
    );
  });

  it('refuses a header no form has, naming the columns, with the case-sensitivity hint', () => {
    expect(() => recognise('Vorname,Nachname,E-Mail')).toThrow('no form custsync reads has the columns "Vorname", "Nachname", "E-Mail"');
    try {
      recognise('first name,last name,email');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('"first name", "last name"');
      expect((error as { hint: string }).hint).toContain('"first name" must be "First Name"');
    }
  });
});
