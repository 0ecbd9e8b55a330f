import { afterEach, describe, expect, it } from 'vitest';
import { parseCustomer } from '../../src/core/customer.js';
import { fromWire as cabinetryFromWire } from '../../src/dialects/cabinetry/mapping.js';
import { ListEnvelopeSchema, OneEnvelopeSchema } from '../../src/dialects/cabinetry/schema.js';
import { toCanonical as propellerToCanonical } from '../../src/dialects/propeller/mapping.js';
import { BulkAnswerSchema, OneCustomerAnswerSchema, SearchAnswerSchema } from '../../src/dialects/propeller/schema.js';
import { fromWire as resultsetFromWire } from '../../src/dialects/resultset/mapping.js';
import { CustomerListAnswer, UpsertAnswer } from '../../src/dialects/resultset/schema.js';
import { parseXml } from '../../src/dialects/resultset/xml.js';
import { sandboxCredentials, startSpiffyEmulator, type SpiffyEmulatorHandle } from '../../src/dialects/spiffy/emulator.js';
import { fromWire as spiffyFromWire, payloadUnchanged, projectRecord, toWire as spiffyToWire } from '../../src/dialects/spiffy/mapping.js';
import { CountAnswerSchema, ListAnswerSchema, SpiffyCustomerSchema } from '../../src/dialects/spiffy/schema.js';

/**
 * The wire schemas of every dialect accept answers with fields custsync does
 * not know, of any type, and answers without the optional fields: only what
 * custsync reads is required. What it reads still has to have its type.
 */

describe('spiffy wire schema', () => {
  it('accepts a customer with only an id, and one with unknown or odd-typed fields custsync does not read', () => {
    expect(spiffyFromWire(SpiffyCustomerSchema.parse({ id: 7 }), 's')).toMatchObject({ key: '7', addresses: [], groups: [] });
    const odd = SpiffyCustomerSchema.parse({ id: '8', sign_in_count: 'many', last_order_id: 'none', current_sign_in_ip: 10, loyalty: { tier: 'gold' }, name: 42 });
    expect(spiffyFromWire(odd, 's').key).toBe('8');
    expect(ListAnswerSchema.parse({ customers: [{ id: 1 }], next_page: 2 }).customers).toHaveLength(1);
    expect(CountAnswerSchema.parse({ count: '12' }).count).toBe(12);
  });

  it('still refuses an answer without an id, or with a wrongly typed field it reads', () => {
    expect(SpiffyCustomerSchema.safeParse({ email: 'a@b.c' }).success).toBe(false);
    expect(SpiffyCustomerSchema.safeParse({ id: 1, email: 42 }).success).toBe(false);
    expect(SpiffyCustomerSchema.safeParse({ id: 1, addresses: 'none' }).success).toBe(false);
  });

  it.each([
    ['"465.30"', '465.30', 465.3],
    ['13908.63', 13908.63, 13908.63],
    ['"0"', '0', 0],
    ['""', '', undefined],
    ['"n/a"', 'n/a', undefined],
    ['null', null, undefined],
  ])('reads total_spent %s', (_shown, value, expected) => {
    const record = spiffyFromWire(SpiffyCustomerSchema.parse({ id: 1, total_spent: value, orders_count: '3' }), 's');
    expect(record.totalSpent).toBe(expected);
    expect(record.ordersCount).toBe(3);
  });

  it('reads and writes the customer-level company', () => {
    expect(spiffyFromWire(SpiffyCustomerSchema.parse({ id: 1, company: 'Bag End Ltd' }), 's').company).toBe('Bag End Ltd');
    expect(spiffyFromWire(SpiffyCustomerSchema.parse({ id: 1, company: '' }), 's').company).toBeUndefined();
    const record = parseCustomer({ key: 'K', firstName: 'Bilbo', company: 'Bag End Ltd' });
    expect(spiffyToWire(record).company).toBe('Bag End Ltd');
    expect(projectRecord(record, 's').company).toBe('Bag End Ltd');
    const stored = SpiffyCustomerSchema.parse({ id: 3, first_name: 'Bilbo', company: 'Bag End Ltd' });
    expect(payloadUnchanged(spiffyToWire(record), stored, 's')).toBe(true);
    expect(payloadUnchanged(spiffyToWire({ ...record, company: 'Rivendell' }), stored, 's')).toBe(false);
  });
});

describe('spiffy emulator keeps the company', () => {
  let emulator: SpiffyEmulatorHandle | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  it('stores a created customer\'s company and answers it', async () => {
    emulator = await startSpiffyEmulator({ customers: 0 });
    const headers = { authorization: `Bearer ${sandboxCredentials.token}`, 'content-type': 'application/json' };
    const created = await fetch(`${emulator.url}/api/customers.json`, { method: 'POST', headers, body: JSON.stringify({ customer: { first_name: 'Bilbo', company: 'Bag End Ltd', addresses: [] } }) });
    expect(created.status).toBe(201);
    const { customer } = (await created.json()) as { customer: { id: number; company: string } };
    expect(customer.company).toBe('Bag End Ltd');
    const read = (await (await fetch(`${emulator.url}/api/customers/${customer.id}.json`, { headers })).json()) as { customer: unknown };
    expect(spiffyFromWire(SpiffyCustomerSchema.parse(read.customer), 's').company).toBe('Bag End Ltd');
  });
});

describe('cabinetry wire schema', () => {
  it('accepts envelopes with extra fields and pagination without current_page or page_size', () => {
    const list = ListEnvelopeSchema.parse({ success: 1, items: [{ id: 5, loyalty: [1, 2] }], pagination: { page_count: '1', total_count: 1, next: null }, took_ms: 3 });
    expect(cabinetryFromWire(list.items[0], 'cab')).toMatchObject({ key: '5', addresses: [], groups: [] });
    expect(OneEnvelopeSchema.parse({ success: 1, customer: { id: 'A-1' }, warnings: [] }).customer.id).toBe('A-1');
  });

  it('still refuses a list without the paging it reads', () => {
    expect(ListEnvelopeSchema.safeParse({ success: 1, items: [], pagination: { current_page: 1 } }).success).toBe(false);
    expect(ListEnvelopeSchema.safeParse({ success: 1, items: [{ name: 'no id' }], pagination: { page_count: 1, total_count: 1 } }).success).toBe(false);
  });
});

describe('resultset wire schema', () => {
  const parse = (xml: string) => CustomerListAnswer.parse(parseXml(xml, 'GET test'));

  it('accepts unknown elements and attributes, and a Customer with only its username', () => {
    const answer = parse('<ResultSet total="2" page="1" limit="100" server="x"><Customer><username>u1</username><loyalty_tier>gold</loyalty_tier></Customer><Customer><username>u2</username></Customer><Debug>1</Debug></ResultSet>');
    expect(answer.ResultSet.Customer?.map((c) => resultsetFromWire(c, 'rs').key)).toEqual(['u1', 'u2']);
    expect(parse('<ResultSet total="0"></ResultSet>').ResultSet.Customer).toBeUndefined();
    expect(UpsertAnswer.parse(parseXml('<ResultSet><Result><username>u1</username><action>create</action><took>3</took></Result></ResultSet>', 'POST test')).ResultSet.Result).toEqual([{ username: 'u1', action: 'create' }]);
  });

  it('still refuses a list without its total, or a Customer without a username', () => {
    expect(() => parse('<ResultSet><Customer><username>u1</username></Customer></ResultSet>')).toThrow();
    expect(() => parse('<ResultSet total="1"><Customer><email>a@b.c</email></Customer></ResultSet>')).toThrow();
  });
});

describe('propeller wire schema', () => {
  it('accepts answers with extra fields and without the optional ones', () => {
    const search = SearchAnswerSchema.parse({ data: [{ id: 4, brandNew: [1], sources: [{ source: 'ERP', sourceId: 'E4', since: '2020' }] }], total: 1, facets: {} });
    expect(propellerToCanonical(search.data[0], [], { profileName: 'p', source: 'ERP' }).key).toBe('E4');
    expect(OneCustomerAnswerSchema.parse({ data: { id: '9' } }).data.id).toBe('9');
    expect(BulkAnswerSchema.parse({ data: [{ success: true, id: 1, key: 42, action: 'CREATE', extra: 1 }] }).data[0].key).toBe(42);
  });

  it('still refuses a customer without an id, or a bulk item without success', () => {
    expect(SearchAnswerSchema.safeParse({ data: [{ email: 'x' }], total: 1 }).success).toBe(false);
    expect(BulkAnswerSchema.safeParse({ data: [{ id: 1 }] }).success).toBe(false);
  });
});
