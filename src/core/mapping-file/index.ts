import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { z } from 'zod';
import { AddressSchema, CustomerSchema, normaliseCustomer, type Address, type Customer } from '../customer.js';
import { UserError } from '../errors.js';
import { coerce, getValue, knownFieldNames, parseFieldPath, setValue, type FieldPath, type Value } from './fields.js';
import { MappingFileSchema, type MappingFile, type Rule } from './schema.js';

export { MappingFileSchema, type MappingFile, type Rule } from './schema.js';

/**
 * A mapping adjusts records between source and target: a pure function
 * canonical → canonical. It throws {@link MappingError} for a record it
 * cannot map (a value the target field cannot take); the pipeline rejects
 * that record with the message and goes on.
 */
export type Mapping = (record: Customer) => Customer;

export class MappingError extends Error {}

/** `rules[2].table` from a zod issue path. */
function jsonPath(path: PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union' && 'discriminator' in issue) return `"op" must be one of rename, set, drop, table, template, addresses`;
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message.replace(/^Invalid input: /, '').replace(/expected record\b/, 'expected object');
}

interface CompiledRule {
  where: string;
  apply(record: Customer): void;
}

function fieldOf(path: string, where: string, name: string): FieldPath {
  const parsed = parseFieldPath(path);
  if (typeof parsed === 'string') throw new UserError(`${where}.${name}: ${parsed}`, `fields: ${knownFieldNames().join(', ')}`);
  return parsed;
}

function checked(value: Value, path: FieldPath, where: string): Value {
  const out = coerce(value, path);
  if (out !== undefined && typeof out === 'object' && !Array.isArray(out)) throw new MappingError(`${where}: ${out.error}`);
  return out as Value;
}

/**
 * A value written in the mapping file, converted to its field's type and
 * checked against the canonical schema (`language: "german"` is not an ISO
 * 639-1 code): a wrong one is a mistake in the file, exit 2 at load.
 */
function constant(value: Value, path: FieldPath, where: string): Value {
  const out = coerce(value, path);
  if (out !== undefined && typeof out === 'object' && !Array.isArray(out)) throw new UserError(`${where}: ${out.error}`, 'see docs/mapping.md for the field types');
  const schema = path.scope === 'customer' ? CustomerSchema.shape[path.name as keyof typeof CustomerSchema.shape] : path.scope === 'custom' ? undefined : AddressSchema.shape[path.name as keyof typeof AddressSchema.shape];
  const checked = schema && typeof out === 'string' ? schema.safeParse(out.trim()) : undefined;
  if (checked && !checked.success) {
    const issue = checked.error.issues[0];
    const message = issue.code === 'invalid_value' && 'values' in issue ? `is not one of ${issue.values.join(', ')}` : issue.message.replace(new RegExp(`^${path.name} `), '');
    throw new UserError(`${where}: "${String(out)}" ${message}`, 'see docs/mapping.md for the field types');
  }
  return out as Value;
}

function render(template: string, record: Customer, where: string): string {
  return template
    .replace(/\{([^{}]+)\}/g, (_, name: string) => {
      const path = parseFieldPath(name.trim());
      if (typeof path === 'string') throw new MappingError(`${where}: ${path}`);
      const value = getValue(record, path);
      return value === undefined ? '' : Array.isArray(value) ? value.join(', ') : String(value);
    })
    .replace(/\s+/g, ' ')
    .trim();
}

function compileRule(rule: Rule, index: number, file: string): CompiledRule {
  const where = `${file}: rules[${index}]`;
  switch (rule.op) {
    case 'rename': {
      const from = fieldOf(rule.from, where, 'from');
      const to = fieldOf(rule.to, where, 'to');
      return {
        where,
        apply(record) {
          const value = getValue(record, from);
          if (value === undefined) return;
          setValue(record, from, undefined);
          setValue(record, to, checked(value, to, where));
        },
      };
    }
    case 'set': {
      const path = fieldOf(rule.field, where, 'field');
      const value = constant(rule.value, path, `${where}.value`);
      return { where, apply: (record) => setValue(record, path, value) };
    }
    case 'drop': {
      const path = fieldOf(rule.field, where, 'field');
      return { where, apply: (record) => setValue(record, path, undefined) };
    }
    case 'table': {
      const path = fieldOf(rule.field, where, 'field');
      const table = new Map(Object.entries(rule.table));
      // Values written by the file are checked now: a wrong one would otherwise reject every record it meets.
      if (path.type !== 'strings') for (const [from, to] of table) if (to !== null) constant(to, path, `${where}.table["${from}"]`);
      const otherwise = rule.otherwise ?? 'keep';
      if (typeof otherwise === 'object') constant(otherwise.value, path, `${where}.otherwise.value`);
      const one = (value: string): string | undefined => {
        if (table.has(value)) return table.get(value) ?? undefined;
        if (otherwise === 'keep') return value;
        if (otherwise === 'drop') return undefined;
        return otherwise.value;
      };
      return {
        where,
        apply(record) {
          const value = getValue(record, path);
          if (value === undefined) return;
          if (Array.isArray(value)) {
            setValue(record, path, value.map(one).filter((v): v is string => v !== undefined));
            return;
          }
          const mapped = one(String(value));
          setValue(record, path, mapped === undefined ? undefined : checked(mapped, path, where));
        },
      };
    }
    case 'template': {
      const path = fieldOf(rule.field, where, 'field');
      for (const [, name] of rule.template.matchAll(/\{([^{}]+)\}/g)) {
        const parsed = parseFieldPath(name.trim());
        if (typeof parsed === 'string') throw new UserError(`${where}.template: ${parsed}`, `fields: ${knownFieldNames().join(', ')}`);
      }
      return {
        where,
        apply(record) {
          const text = render(rule.template, record, where);
          setValue(record, path, text === '' ? undefined : checked(text, path, where));
        },
      };
    }
    case 'addresses': {
      const billing = rule.billing ?? 'billing';
      const shipping = rule.shipping ?? 'shipping';
      return {
        where,
        apply(record) {
          const of = (kind: 'billing' | 'shipping' | 'none', as: Address['kind']): Address[] =>
            kind === 'none' ? [] : record.addresses.filter((a) => a.kind === kind).map((a) => ({ ...a, lines: [...a.lines], kind: as }));
          record.addresses = [...of(billing, 'billing'), ...of(shipping, 'shipping')];
        },
      };
    }
  }
}

/** Builds the mapping function of a parsed mapping file; `file` names it in messages. */
export function compileMapping(content: MappingFile, file = 'mapping'): Mapping {
  const rules = content.rules.map((rule, i) => compileRule(rule, i, file));
  return (input) => {
    const record = structuredClone(input);
    for (const rule of rules) rule.apply(record);
    const parsed = CustomerSchema.safeParse(normaliseCustomer(record));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new MappingError(`mapping made an invalid record: ${jsonPath(issue.path) || '(record)'}: ${issue.message}`);
    }
    return parsed.data;
  };
}

/** Parses mapping file text; errors name the file and the JSON path (`mapping.json: rules[2].table: expected object`). Exit 2. */
export function parseMapping(text: string, file = 'mapping'): Mapping {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${file}: not valid JSON: ${(error as Error).message}`, 'see docs/mapping.md for the format');
  }
  const parsed = MappingFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = jsonPath(issue.path);
    throw new UserError(`${file}: ${path ? `${path}: ` : ''}${issueMessage(issue)}`, 'see docs/mapping.md for the format');
  }
  return compileMapping(parsed.data, file);
}

/** Reads and compiles `--mapping FILE`. */
export function loadMapping(path: string): Mapping {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`mapping file ${path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read: ${(error as Error).message}`}`);
  }
  return parseMapping(text, basename(path));
}
