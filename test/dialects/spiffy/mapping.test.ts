import { describe, expect, it } from 'vitest';
import { parseCustomer } from '../../../src/core/customer.js';
import { applyQuery, parseCondition } from '../../../src/core/query.js';
import { rateLimitOf } from '../../../src/dialects/spiffy/client.js';
import { pushDown, spiffyMinute } from '../../../src/dialects/spiffy/filters.js';
import { fromWire, payloadUnchanged, projectRecord, toWire } from '../../../src/dialects/spiffy/mapping.js';
import { bilbo, bilboCanonical } from './fixtures.js';
import type { SpiffyCustomer } from '../../../src/dialects/spiffy/schema.js';

describe('spiffy mapping: wire → canonical', () => {
  it('reads the document example (Bilbo) field by field', () => {
    expect(fromWire(bilbo, 'store')).toEqual(bilboCanonical);
  });

  it('reads the property examples: comma tags trimmed, money as a string, other states by name', () => {
    const record = fromWire({ ...bilbo, tags: 'loyal, wholesaler ,, loyal', total_spent: '465.30', credit: 15.4, state: 'invited', wholesale: true }, 's');
    expect(record.groups).toEqual(['loyal', 'wholesaler']);
    expect(record.totalSpent).toBe(465.3);
    expect(record.credit).toBe(15.4);
    expect(record.status).toBe('invited');
    expect(record.wholesale).toBe(true);
    for (const state of ['guest', 'disabled', 'declined'] as const) expect(fromWire({ ...bilbo, state }, 's').status).toBe(state);
  });

  it('takes the default from default_address when the list carries no flag, and reads a lone default_address', () => {
    const { default: _d, ...plain } = bilbo.addresses![0];
    const second = { ...plain, id: 2000, address1: '1 Rivendell', default: undefined };
    const record = fromWire({ ...bilbo, addresses: [second, { ...plain }] }, 's');
    expect(record.addresses.map((a) => [a.lines[0], a.isDefault])).toEqual([['1 Rivendell', false], ['2 Bag End', true]]);
    const lone = fromWire({ ...bilbo, addresses: [] }, 's');
    expect(lone.addresses).toEqual(bilboCanonical.addresses);
  });

  it('keeps an address name only when the address has no first or last name', () => {
    const record = fromWire({ ...bilbo, addresses: [{ ...bilbo.addresses![0], first_name: null, last_name: '', name: 'Front desk' }] }, 's');
    expect(record.addresses[0].name).toBe('Front desk');
  });
});

describe('spiffy mapping: canonical → wire', () => {
  const record = parseCustomer({
    key: 'C1',
    email: 'frodo@shire.example',
    firstName: 'Frodo',
    lastName: 'Baggins',
    phone: '+64 9 555 0101',
    status: 'disabled',
    totalSpent: 10,
    ordersCount: 2,
    groups: ['ring bearer', 'vip'],
    custom: { accounting_id: 'A-1', custom_data1: 'dropped' },
    addresses: [
      { kind: 'billing', isDefault: true, lines: ['1 Bag End', 'Hobbiton', 'The Shire'], city: 'Hobbiton', region: 'Waikato', regionCode: 'WKO', postcode: '1234', countryCode: 'NZ' },
      { kind: 'shipping', isDefault: true, lines: ['3 Crickhollow'], city: 'Buckland', phone: '+64 9 555 0202' },
      { kind: 'shipping', isDefault: false, lines: ['1 Bag End', 'Hobbiton', 'The Shire'], city: 'Hobbiton', region: 'Waikato', regionCode: 'WKO', postcode: '1234', countryCode: 'NZ' },
    ],
  });

  it('never sends state, totals or timestamps; sends tags and the accounting ids', () => {
    const wire = toWire(record) as unknown as Record<string, unknown>;
    expect(wire).not.toHaveProperty('state');
    expect(wire).not.toHaveProperty('total_spent');
    expect(wire).not.toHaveProperty('orders_count');
    expect(wire).not.toHaveProperty('created_at');
    expect(wire.tags).toBe('ring bearer,vip');
    expect(wire.accounting_id).toBe('A-1');
    expect(wire).not.toHaveProperty('custom_data1');
  });

  it('sends billing and shipping addresses, the default shipping one first and the only default, identical ones once', () => {
    const { addresses } = toWire(record);
    expect(addresses).toHaveLength(2);
    expect(addresses.map((a) => [a.address1, a.default])).toEqual([['3 Crickhollow', true], ['1 Bag End', false]]);
    expect(addresses[1]).toMatchObject({ address2: 'Hobbiton, The Shire', province: 'Waikato', province_code: 'WKO', zip: '1234', country_code: 'NZ' });
  });

  it('puts the phone on the default address when that has none, so it reads back', () => {
    const { addresses } = toWire({ ...record, addresses: [record.addresses[0]] });
    expect(addresses[0].phone).toBe('+64 9 555 0101');
    expect(projectRecord({ ...record, addresses: [record.addresses[0]] }, 'p').phone).toBe('+64 9 555 0101');
  });

  it('projects: addresses become shipping, unwritable fields go, key and source stay', () => {
    const projected = projectRecord(record, 'p');
    expect(projected.key).toBe('C1');
    expect(projected.status).toBeUndefined();
    expect(projected.totalSpent).toBeUndefined();
    expect(projected.custom).toEqual({ accounting_id: 'A-1' });
    expect(projected.addresses.every((a) => a.kind === 'shipping')).toBe(true);
    expect(projected.addresses.filter((a) => a.isDefault)).toHaveLength(1);
    expect(projectRecord(projected, 'p')).toEqual(projected);
  });

  it('sees a stored record as unchanged whatever order its keys come in', () => {
    const sent = toWire({ ...record, addresses: [record.addresses[0]] });
    const stored = { ...sent, id: 9, addresses: sent.addresses.map(({ default: d, ...rest }) => ({ default: d, ...rest })) } as unknown as SpiffyCustomer;
    expect(payloadUnchanged(sent, stored, 'p')).toBe(true);
  });

  it('round-trips Bilbo: what is read and sent back changes nothing', () => {
    const read = fromWire(bilbo, 'store');
    expect(payloadUnchanged(toWire(read), bilbo, 'store')).toBe(true);
    expect(payloadUnchanged(toWire({ ...read, note: 'The ring has been found.' }), bilbo, 'store')).toBe(false);
  });
});

describe('spiffy push-down', () => {
  const where = (...exprs: string[]) => exprs.map(parseCondition);

  it('maps the pushable conditions to the documented filters, UTC minutes, inclusive and widened', () => {
    expect(pushDown({ since: new Date('2024-03-01T10:15:30+01:00'), where: [] })).toEqual({ updated_at_min: '2024-03-01 09:15' });
    expect(
      pushDown({
        where: where('createdAt >= 2020-01-01', 'createdAt < 2021-01-01T00:00:30Z', 'updatedAt = 2024-05-05T05:05:00Z', 'id > 1010', 'wholesale = true', 'marketingOptIn = false'),
      }),
    ).toEqual({
      created_at_min: '2020-01-01 00:00',
      created_at_max: '2021-01-01 00:01',
      updated_at_min: '2024-05-05 05:05',
      updated_at_max: '2024-05-05 05:05',
      since_id: '1010',
      wholesale_status: 'wholesale',
      marketing_status: 'rejects_marketing',
    });
    expect(pushDown({ where: where('id >= 1010') })).toEqual({ since_id: '1009' });
    expect(pushDown({ where: where('id = 7', 'id = 9') })).toEqual({ ids: '7' });
    expect(pushDown({ where: where('email ~ example', 'wholesale != true', 'id < 5', 'groups = vip') })).toEqual({});
  });

  it('formats minutes in UTC', () => {
    expect(spiffyMinute(new Date('2014-12-31T23:59:59.001-02:00'))).toBe('2015-01-01 01:59');
    expect(spiffyMinute(new Date('2014-12-31T12:00:00Z'), true)).toBe('2014-12-31 12:00');
  });

  it('orders numeric ids as numbers on the client', async () => {
    const records = ['99', '100', '1000'].map((id) => parseCustomer({ key: id, source: { system: 'spiffy', profile: 'p', id } }));
    async function* all() {
      yield* records;
    }
    const kept: string[] = [];
    for await (const r of applyQuery(all(), { where: where('id > 99') })) kept.push(r.key);
    expect(kept).toEqual(['100', '1000']);
  });
});

describe('spiffy X-Ratelimit', () => {
  const header = (value: unknown) => ({ status: 200, headers: { 'x-ratelimit': JSON.stringify(value) }, text: '', label: 'GET x' });
  it('reads the window from the header of the document', () => {
    const until = '2026-01-01T00:01:00Z';
    expect(rateLimitOf(header({ name: 'API', period: 300, limit: 500, remaining: 7, until }))).toEqual({
      limit: 500,
      remaining: 7,
      until: Date.parse(until),
      periodMs: 300_000,
    });
  });
  it('ignores an answer without the header or with one that does not parse', () => {
    expect(rateLimitOf({ status: 200, headers: {}, text: '', label: 'GET x' })).toBeUndefined();
    expect(rateLimitOf({ status: 200, headers: { 'x-ratelimit': '{not json' }, text: '', label: 'GET x' })).toBeUndefined();
    expect(rateLimitOf(header({ remaining: 'many' }))).toBeUndefined();
  });
});
