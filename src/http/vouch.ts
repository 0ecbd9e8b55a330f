import type { z } from 'zod';

/**
 * A hand check of a wire answer against its zod schema, for the answers of
 * a read (every customer of a pull passes one, and zod's walk of a page,
 * with its unions and copies, cost about as much as mapping the page). It
 * answers true only where `schema.parse(value)` would succeed and return a
 * copy equal to `value` (same keys, same values: no transform or default,
 * coercion only of a value already of its type, no key a plain object would strip), so the value can stand for
 * the parse. Any kind it does not know compiles to "cannot vouch", and the
 * answer then goes to zod, which decides and words the error.
 */
type Check = (value: unknown) => boolean;

const never: Check = () => false;
const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

interface Def {
  type: string;
  checks?: Array<{ _zod: { def: { check: string; minimum?: number; format?: string; value?: number; inclusive?: boolean } } }>;
  coerce?: boolean;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  values?: unknown[];
  entries?: Record<string, unknown>;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The checks of a string, number or array: min length, integer and lower bound only; any other check cannot be vouched for. */
function withChecks(def: Def, base: Check, length?: (value: never) => number): Check {
  const checks: Check[] = [];
  for (const check of def.checks ?? []) {
    const { check: kind, minimum, format, value: bound, inclusive } = check._zod.def;
    if (kind === 'min_length' && length && minimum !== undefined) checks.push((value) => length(value as never) >= minimum);
    else if (kind === 'number_format' && format === 'safeint') checks.push((value) => Number.isSafeInteger(value));
    else if (kind === 'greater_than' && typeof bound === 'number') checks.push((value) => (inclusive ? (value as number) >= bound : (value as number) > bound));
    else return never;
  }
  if (checks.length === 0) return base;
  return (value) => base(value) && checks.every((check) => check(value));
}

function compile(schema: z.ZodType): Check {
  const def = defOf(schema);
  // Coercion leaves a value of its own type as it is (`Number(5)`, `String("x")`): only such a value is vouched for, as the checks below require.
  if (def.coerce && def.type !== 'number' && def.type !== 'string') return never;
  switch (def.type) {
    case 'string':
      return withChecks(def, (value) => typeof value === 'string', (value: string) => value.length);
    case 'number':
      return withChecks(def, (value) => typeof value === 'number' && Number.isFinite(value));
    case 'boolean':
      return withChecks(def, (value) => typeof value === 'boolean');
    case 'null':
      return (value) => value === null;
    case 'unknown':
    case 'any':
      return () => true;
    case 'literal': {
      const values = def.values ?? [];
      return (value) => values.includes(value);
    }
    case 'enum': {
      const values = Object.values(def.entries ?? {});
      return (value) => values.includes(value);
    }
    case 'optional': {
      const inner = compile(def.innerType!);
      return (value) => value === undefined || inner(value);
    }
    case 'nullable': {
      const inner = compile(def.innerType!);
      return (value) => value === null || inner(value);
    }
    case 'union': {
      const options = (def.options ?? []).map(compile);
      return (value) => options.some((option) => option(value));
    }
    case 'array': {
      const element = compile(def.element!);
      return withChecks(def, (value) => Array.isArray(value) && value.every(element), (value: unknown[]) => value.length);
    }
    case 'record': {
      if (defOf(def.keyType!).type !== 'string' || (defOf(def.keyType!).checks ?? []).length > 0) return never;
      const element = compile(def.valueType!);
      // A copy would set the prototype for `__proto__` rather than keep the key.
      return (value) => isPlainObject(value) && !Object.hasOwn(value, '__proto__') && Object.values(value).every(element);
    }
    case 'object': {
      const fields = Object.entries(def.shape ?? {}).map(([name, field]) => [name, compile(field)] as const);
      const catchall = def.catchall === undefined ? undefined : defOf(def.catchall).type;
      // A loose object keeps unknown keys as they are; a plain one strips them (the copy would differ), a strict one refuses them.
      if (catchall !== undefined && catchall !== 'unknown') return never;
      const known = new Set(fields.map(([name]) => name));
      return (value) => {
        if (!isPlainObject(value) || Object.hasOwn(value, '__proto__')) return false;
        for (const [name, check] of fields) if (!check(value[name])) return false;
        if (catchall === undefined) for (const name in value) if (!known.has(name)) return false;
        return true;
      };
    }
    default:
      return never;
  }
}

const compiled = new WeakMap<z.ZodType, Check>();

/** True when `value` is exactly what `schema.parse(value)` would return (see above); false means "ask zod". */
export function vouch(schema: z.ZodType, value: unknown): boolean {
  let check = compiled.get(schema);
  if (!check) {
    check = compile(schema);
    compiled.set(schema, check);
  }
  return check(value);
}
