import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCustomer } from '../../../src/core/customer.js';
import { fromWire, project, toWire } from '../../../src/dialects/resultset/mapping.js';
import { CustomerNode } from '../../../src/dialects/resultset/schema.js';
import { buildXml, decodeEntities, parseXml } from '../../../src/dialects/resultset/xml.js';

const fixture = (name: string) => readFileSync(resolve(import.meta.dirname, '../../fixtures/resultset', name), 'utf8');
const firstCustomer = (xml: string) => CustomerNode.parse((parseXml(xml, 'test').ResultSet as { Customer: unknown[] }).Customer[0]);

describe('resultset mapping', () => {
  it("reads the document's create example", () => {
    const peter = fromWire(firstCustomer(fixture('peter-parker-create.xml')), 'shop');
    expect(peter).toMatchObject({
      key: 'peter@parker.nz',
      email: 'peter@parker.nz',
      firstName: 'Peter',
      lastName: 'Parker',
      groups: ['dealer', 'vip'],
      passwordHash: 'PETERFOO123',
      source: { system: 'resultset', profile: 'shop', id: 'peter@parker.nz' },
    });
    expect(peter.addresses).toEqual([{ kind: 'billing', isDefault: true, firstName: 'Peter', lastName: 'Parker', lines: [] }]);
  });

  it('writes it back without the password, groups as UserCustomerGroup nodes', () => {
    const peter = fromWire(firstCustomer(fixture('peter-parker-create.xml')), 'shop');
    const wire = toWire(peter);
    expect(wire).toEqual({
      username: 'peter@parker.nz',
      email: 'peter@parker.nz',
      b_fname: 'Peter',
      b_lname: 'Parker',
      UserCustomerGroup: [
        { username: 'peter@parker.nz', group_code: 'dealer' },
        { username: 'peter@parker.nz', group_code: 'vip' },
      ],
    });
  });

  it('reads group titles when UserGroups is joined, and unsubscriptions per group', () => {
    const node = firstCustomer(`<ResultSet><Customer><username>00123</username><b_zip>0800</b_zip><discount>020</discount>
      <UserCustomerGroup><code>1</code><group_code>jedis</group_code><subscribed>0</subscribed><UserGroup><code>jedis</code><title>Jedis</title></UserGroup></UserCustomerGroup>
      <UserCustomerGroup><code>2</code><group_code>vip</group_code><subscribed>1</subscribed></UserCustomerGroup>
    </Customer></ResultSet>`);
    const customer = fromWire(node, 'shop');
    expect(customer.key).toBe('00123');
    expect(customer.addresses[0].postcode).toBe('0800');
    expect(customer.discountPercent).toBe(20);
    expect(customer.groups).toEqual(['jedis', 'vip']);
    expect(customer.custom).toEqual({ 'group_title.jedis': 'Jedis', 'group_subscribed.jedis': 'false' });
    expect(toWire(customer).UserCustomerGroup).toEqual([
      { username: '00123', group_code: 'jedis', subscribed: '0' },
      { username: '00123', group_code: 'vip' },
    ]);
  });

  it('projects what the API cannot hold away, and keeps a shipping-only address as the primary one', () => {
    const record = parseCustomer({
      key: 'k1',
      email: 'k1@example.com',
      firstName: 'Ann',
      middleName: 'B.',
      mobile: '06 1234',
      note: 'dropped',
      passwordHash: 'x',
      addresses: [{ kind: 'shipping', firstName: 'Ann', lines: ['1 Way', 'Floor 2', 'Room 3', 'Desk 4'], city: 'Town', country: 'NL' }],
      groups: [],
      custom: {},
    });
    const projected = project(record, 'shop');
    expect(projected.middleName).toBeUndefined();
    expect(projected.note).toBeUndefined();
    expect(projected.passwordHash).toBeUndefined();
    expect(projected.altPhone).toBe('06 1234');
    expect(projected.addresses).toEqual([{ kind: 'billing', isDefault: true, firstName: 'Ann', lines: ['1 Way', 'Floor 2', 'Room 3, Desk 4'], city: 'Town', countryCode: 'NL' }]);
  });
});

describe('resultset XML', () => {
  it('escapes what it writes and reads it back as strings', () => {
    const xml = buildXml({ ResultSet: { Customer: [{ username: '007', b_company: `A & B <c> "q" 'a' ☕\u0001` }] } });
    expect(xml).toContain('A &amp; B &lt;c&gt;');
    const node = firstCustomer(xml);
    expect(node.username).toBe('007');
    expect(node.b_company).toBe(`A & B <c> "q" 'a' ☕`);
  });

  it('decodes only the predefined entities and character references', () => {
    expect(decodeEntities('&lt;&#233;&#x263A;&amp;amp;&custom;')).toBe('<é☺&amp;&custom;');
  });

  it('refuses a DOCTYPE and names the line of malformed XML', () => {
    expect(() => parseXml('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', 'GET /x')).toThrow(/DOCTYPE/);
    expect(() => parseXml('<a>\n<b>\n</a>', 'GET /x', 200)).toThrow(/GET \/x answered 200 with XML that is malformed: line 3/);
  });
});
