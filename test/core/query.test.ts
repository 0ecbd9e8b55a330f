import { describe, expect, it } from 'vitest';
import { parseCustomer } from '../../src/core/customer.js';
import { applyQuery, matches, parseCondition, parseInstant } from '../../src/core/query.js';

const bilbo = parseCustomer({
  key: '17',
  email: 'Bilbo@Example.com',
  firstName: 'Bilbo',
  lastName: 'Baggins',
  company: 'Bag End Ltd',
  groups: ['vip', 'hobbits'],
  totalSpent: 120.5,
  wholesale: false,
  updatedAt: '2026-03-01T10:00:00Z',
});

describe('--where', () => {
  it('parses field OP value with quotes and snake_case', () => {
    expect(parseCondition('total_spent >= 100')).toEqual({ field: 'totalSpent', op: '>=', value: '100' });
    expect(parseCondition('email = "a b@c.d"')).toEqual({ field: 'email', op: '=', value: 'a b@c.d' });
  });

  it('refuses unknown fields and malformed expressions', () => {
    expect(() => parseCondition('shoe = 4')).toThrow(/unknown field "shoe"/);
    expect(() => parseCondition('email')).toThrow(/field OP value/);
    expect(() => parseCondition('email === x')).toThrow(/is not an operator/);
    expect(() => parseCondition('discountPercent > abc')).toThrow(/is a number/);
    expect(parseCondition('note = "=odd"').value).toBe('=odd');
  });

  it.each([
    ['email = bilbo@example.com', true],
    ['email != bilbo@example.com', false],
    ['name ~ baggins', true],
    ['name ~ bag end', true],
    ['groups = vip', true],
    ['groups = dwarves', false],
    ['totalSpent > 100', true],
    ['totalSpent < 100', false],
    ['wholesale = false', true],
    ['updatedAt >= 2026-03-01', true],
    ['updatedAt > 2026-03-01T10:00:00Z', false],
    ['company != x', true],
    ['phone != x', true],
    ['phone = x', false],
  ])('%s → %s', (expr, expected) => {
    expect(matches(bilbo, { where: [parseCondition(expr)] })).toBe(expected);
  });

  it('reads --since without an offset as UTC', () => {
    expect(parseInstant('2026-03-01').toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(parseInstant('2026-03-01T10:30').toISOString()).toBe('2026-03-01T10:30:00.000Z');
    expect(parseInstant('2026-03-01T10:30:00+02:00').toISOString()).toBe('2026-03-01T08:30:00.000Z');
    expect(() => parseInstant('March')).toThrow(/ISO 8601/);
    expect(() => parseInstant('2025-02-30')).toThrow(/ISO 8601/);
    expect(() => parseInstant('2025-13-01T00:00:00Z')).toThrow(/ISO 8601/);
  });

  it('applyQuery filters and stops at the limit', async () => {
    async function* many() {
      for (let i = 0; i < 10; i += 1) yield parseCustomer({ key: String(i), totalSpent: i });
    }
    const out: string[] = [];
    for await (const c of applyQuery(many(), { where: [parseCondition('totalSpent >= 3')], limit: 4 })) out.push(c.key);
    expect(out).toEqual(['3', '4', '5', '6']);
  });
});
