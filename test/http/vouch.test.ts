import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { vouch } from '../../src/http/vouch.js';
import { ListAnswerSchema as SpiffyList } from '../../src/dialects/spiffy/schema.js';
import { ListEnvelopeSchema as CabinetryList } from '../../src/dialects/cabinetry/schema.js';

/**
 * The hand check that stands in for zod on the common wire answer: it may
 * say "ask zod" too often, never vouch for a value zod would refuse or
 * return changed.
 */
const spiffyCustomer = {
  id: 7,
  first_name: 'Ann',
  email: null,
  total_spent: '465.30',
  orders_count: 3,
  accepts_marketing: true,
  tags: 'a, b',
  default_address: { id: 1, address1: 'Main St 1', default: true },
  addresses: [{ id: 1, address1: 'Main St 1', default: true }],
  newer_api_field: { kept: true },
};

const agrees = (schema: z.ZodType, value: unknown) => {
  if (!vouch(schema, value)) return;
  const parsed = schema.safeParse(value);
  expect(parsed.success).toBe(true);
  expect(parsed.data).toStrictEqual(value);
};

describe('vouch', () => {
  it('vouches for the common answers of a read, so they skip zod', () => {
    expect(vouch(SpiffyList, { customers: [spiffyCustomer, { id: 8 }] })).toBe(true);
    expect(
      vouch(CabinetryList, {
        success: 1,
        items: [{ id: 3, name: 'Co', price_adjustment: 1.5, contact_address: { street: ['1 Road', null] }, delivery_address: [{ street: [], default: 1 }], settings: { x: 1 } }],
        pagination: { page_count: 4, total_count: 310 },
      }),
    ).toBe(true);
  });

  it('leaves to zod what zod would refuse or change', () => {
    const cases: Array<[z.ZodType, unknown]> = [
      [SpiffyList, { customers: [{ ...spiffyCustomer, id: '7' }] }], // transformed to a number
      [SpiffyList, { customers: [{ ...spiffyCustomer, id: 1.5 }] }],
      [SpiffyList, { customers: [{ ...spiffyCustomer, accepts_marketing: 'yes' }] }],
      [SpiffyList, { customers: [{ first_name: 'no id' }] }],
      [SpiffyList, { customers: [], extra: 1 }], // a plain object strips unknown keys
      [CabinetryList, { success: 1, items: [], pagination: { page_count: '4', total_count: 1 } }], // coerced
      [CabinetryList, { success: 1, items: [], pagination: { page_count: -1, total_count: 1 } }],
      [CabinetryList, { success: 0, items: [], pagination: { page_count: 1, total_count: 1 } }],
      [CabinetryList, { success: 1, items: [{ id: '' }], pagination: { page_count: 1, total_count: 1 } }],
      [z.record(z.string(), z.string()), JSON.parse('{"__proto__":"x"}')],
      [z.string().transform((s) => s.trim()), ' x '],
      [z.string().default('x'), undefined],
      [z.strictObject({ a: z.string() }), { a: 'x', b: 'y' }],
    ];
    for (const [schema, value] of cases) {
      expect(vouch(schema, value), JSON.stringify(value)).toBe(false);
      agrees(schema, value);
    }
  });

  it('never vouches for a value zod would return otherwise', () => {
    let seed = 5;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const atoms = [null, undefined, 0, -3, 1.5, 12, '12', '', 'x', true, false, [], {}, ['a'], [null], { a: 1 }, 2 ** 60];
    const keys = ['id', 'email', 'street', 'default', 'addresses', 'default_address', 'customers', 'items', 'success', 'pagination', 'page_count', 'total_count', 'settings', 'x'];
    const make = (depth: number): unknown => {
      const r = random();
      if (depth > 2 || r < 0.5) return atoms[Math.floor(random() * atoms.length)];
      if (r < 0.7) return Array.from({ length: Math.floor(random() * 3) }, () => make(depth + 1));
      return Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 5) }, () => [keys[Math.floor(random() * keys.length)], make(depth + 1)]));
    };
    for (let i = 0; i < 5000; i += 1) {
      agrees(SpiffyList, make(0));
      agrees(CabinetryList, make(0));
      agrees(SpiffyList, { customers: [make(1)] });
      agrees(CabinetryList, { success: 1, items: [make(1)], pagination: { page_count: 1, total_count: 1 } });
    }
  });
});
