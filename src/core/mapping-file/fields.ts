import type { Address, AddressKind, Customer } from '../customer.js';
import { AddressSchema, CustomerSchema, defaultAddress } from '../customer.js';

/**
 * Field paths a mapping rule may name: a canonical customer field
 * (`email`, `groups`), `custom.NAME`, or a field of the default address of a
 * kind (`billing.city`, `shipping.lines`). Address paths act on the default
 * address of that kind.
 */
export type FieldType = 'string' | 'number' | 'boolean' | 'strings' | 'enum';

export interface FieldPath {
  scope: 'customer' | 'custom' | AddressKind;
  name: string;
  type: FieldType;
  values?: readonly string[];
}

const fixed = new Set(['addresses', 'custom', 'source']);

function typeOf(schema: unknown): { type: FieldType; values?: readonly string[] } {
  // Unwrap optionals; read the zod type name of what is inside.
  let inner = schema as { def?: { type?: string; innerType?: unknown; entries?: Record<string, string> } };
  while (inner.def?.type === 'optional') inner = inner.def.innerType as typeof inner;
  switch (inner.def?.type) {
    case 'number':
      return { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'array':
      return { type: 'strings' };
    case 'enum':
      return { type: 'enum', values: Object.values(inner.def.entries ?? {}) };
    default:
      return { type: 'string' };
  }
}

const customerFields = new Map(
  Object.entries(CustomerSchema.shape)
    .filter(([name]) => !fixed.has(name))
    .map(([name, schema]) => [name, typeOf(schema)] as const),
);
const addressFields = new Map(
  Object.entries(AddressSchema.shape)
    .filter(([name]) => name !== 'kind' && name !== 'isDefault')
    .map(([name, schema]) => [name, typeOf(schema)] as const),
);

export function knownFieldNames(): string[] {
  return [...customerFields.keys(), 'custom.NAME', ...[...addressFields.keys()].map((n) => `billing.${n}`), 'shipping.…'];
}

/** Parses a field path; returns an error message when the path names no field. */
export function parseFieldPath(path: string): FieldPath | string {
  const dot = path.indexOf('.');
  if (dot < 0) {
    const found = customerFields.get(path);
    return found ? { scope: 'customer', name: path, ...found } : `unknown field "${path}"`;
  }
  const head = path.slice(0, dot);
  const name = path.slice(dot + 1);
  if (head === 'custom') return name ? { scope: 'custom', name, type: 'string' } : 'custom needs a name, e.g. custom.custom_data1';
  if (head === 'billing' || head === 'shipping') {
    const found = addressFields.get(name);
    return found ? { scope: head, name, ...found } : `unknown address field "${name}" in "${path}"`;
  }
  return `unknown field "${path}"`;
}

export type Value = string | number | boolean | string[] | undefined;

/** A mutable working copy of a record that rules act on. */
export function getValue(record: Customer, path: FieldPath): Value {
  if (path.scope === 'customer') return (record as unknown as Record<string, Value>)[path.name];
  if (path.scope === 'custom') return record.custom[path.name];
  const address = defaultAddress(record, path.scope);
  return address ? (address as unknown as Record<string, Value>)[path.name] : undefined;
}

export function setValue(record: Customer, path: FieldPath, value: Value): void {
  if (path.scope === 'customer') {
    const target = record as unknown as Record<string, Value>;
    if (value === undefined) delete target[path.name];
    else target[path.name] = value;
    return;
  }
  if (path.scope === 'custom') {
    if (value === undefined) delete record.custom[path.name];
    else record.custom[path.name] = String(value);
    return;
  }
  let address = defaultAddress(record, path.scope);
  if (!address) {
    if (value === undefined) return;
    address = { kind: path.scope, isDefault: true, lines: [] } as Address;
    record.addresses.push(address);
  }
  const target = address as unknown as Record<string, Value>;
  if (value === undefined) {
    if (path.name === 'lines') address.lines = [];
    else delete target[path.name];
  } else target[path.name] = value;
}

/** A value converted to the type of the field it goes into; an error message when it cannot be. */
export function coerce(value: Value, path: FieldPath): Value | { error: string } {
  if (value === undefined) return undefined;
  switch (path.type) {
    case 'strings':
      return Array.isArray(value) ? value.map(String) : String(value).split(/[;,]/).map((s) => s.trim()).filter(Boolean);
    case 'number': {
      const n = typeof value === 'number' ? value : Number(String(value).trim());
      return Array.isArray(value) || String(value).trim() === '' || Number.isNaN(n) ? { error: `"${String(value)}" is not a number` } : n;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (/^(true|yes|1)$/i.test(String(value))) return true;
      if (/^(false|no|0)$/i.test(String(value))) return false;
      return { error: `"${String(value)}" is not true or false` };
    case 'enum':
      return path.values?.includes(String(value)) ? String(value) : { error: `"${String(value)}" is not one of ${path.values?.join(', ')}` };
    default:
      return Array.isArray(value) ? value.join(';') : String(value);
  }
}
