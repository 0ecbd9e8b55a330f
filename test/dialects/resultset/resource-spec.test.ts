import { describe, expect, it } from 'vitest';
import { customerSpec, customerWithGroupTitles, customerWithGroups, formatSpec, joins, nodeName, parseSpec, spec } from '../../../src/dialects/resultset/resource-spec.js';

describe('resource specs', () => {
  it('formats the document specs', () => {
    expect(formatSpec(customerSpec)).toBe('Customer');
    expect(formatSpec(customerWithGroups)).toBe('Customer+UserCustomerGroups');
    expect(formatSpec(customerWithGroupTitles)).toBe('Customer+(UserCustomerGroups+UserGroups)');
  });

  it('parses what it formats', () => {
    for (const value of [customerSpec, customerWithGroups, customerWithGroupTitles, spec('Customer', 'Order', spec('UserCustomerGroups', 'UserGroups'))]) {
      expect(parseSpec(formatSpec(value))).toEqual(value);
    }
    expect(joins(parseSpec('Customer+(UserCustomerGroups+UserGroups)'), 'UserGroups')).toBe(true);
    expect(joins(parseSpec('Customer+UserCustomerGroups'), 'UserGroups')).toBe(false);
  });

  it('refuses what is not a spec, saying where', () => {
    expect(() => parseSpec('Customer+')).toThrow(/character 10/);
    expect(() => parseSpec('Customer+(UserCustomerGroups')).toThrow(/expected "\)"/);
    expect(() => parseSpec('Customer UserGroups')).toThrow(/unexpected text/);
  });

  it('names the node of a resource', () => {
    expect(nodeName('UserCustomerGroups')).toBe('UserCustomerGroup');
    expect(nodeName('UserGroups')).toBe('UserGroup');
    expect(nodeName('Customer')).toBe('Customer');
  });
});
