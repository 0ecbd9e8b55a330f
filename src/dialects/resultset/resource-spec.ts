/**
 * Resource specifications of the ResultSet API (`Customer`,
 * `Customer+UserCustomerGroups`, `Customer+(UserCustomerGroups+UserGroups)`)
 * as values: built and parsed here only, never glued by hand.
 *
 * Grammar: `spec := term ('+' term)*`, `term := Name | '(' spec ')'`. The
 * first term of a spec is its resource; every further term is joined to it
 * (a parenthesised term is a resource with joins of its own).
 */
export interface ResourceSpec {
  /** The resource, plural as in the URL (`Customer`, `UserCustomerGroups`, `UserGroups`). */
  readonly resource: string;
  readonly joins: readonly ResourceSpec[];
}

export function spec(resource: string, ...joins: Array<ResourceSpec | string>): ResourceSpec {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(resource)) throw new Error(`"${resource}" is not a resource name`);
  return { resource, joins: joins.map((join) => (typeof join === 'string' ? spec(join) : join)) };
}

/** The specs custsync uses. */
export const customerSpec = spec('Customer');
export const customerWithGroups = spec('Customer', 'UserCustomerGroups');
export const customerWithGroupTitles = spec('Customer', spec('UserCustomerGroups', 'UserGroups'));
export const userGroupsSpec = spec('UserGroups');

/** The spec as it appears in a path: `Customer+(UserCustomerGroups+UserGroups)`. */
export function formatSpec(value: ResourceSpec): string {
  return [value.resource, ...value.joins.map((join) => (join.joins.length > 0 ? `(${formatSpec(join)})` : join.resource))].join('+');
}

/** Parses a spec; throws an Error saying where it went wrong. */
export function parseSpec(text: string): ResourceSpec {
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`resource spec "${text}": ${what} at character ${at + 1}`);
  };
  const name = (): string => {
    const match = /^[A-Za-z][A-Za-z0-9_]*/.exec(text.slice(at));
    if (!match) fail('expected a resource name');
    at += match![0].length;
    return match![0];
  };
  const term = (): ResourceSpec => {
    if (text[at] !== '(') return spec(name());
    at += 1;
    const inner = specification();
    if (text[at] !== ')') fail('expected ")"');
    at += 1;
    return inner;
  };
  const specification = (): ResourceSpec => {
    const head = term();
    const joins = [...head.joins];
    while (text[at] === '+') {
      at += 1;
      joins.push(term());
    }
    return { resource: head.resource, joins };
  };
  const result = specification();
  if (at !== text.length) fail('unexpected text');
  return result;
}

/** True when `resource` is joined anywhere in the spec. */
export function joins(value: ResourceSpec, resource: string): boolean {
  return value.joins.some((join) => join.resource === resource || joins(join, resource));
}

/** The join of `resource` directly under the spec, if any. */
export function joined(value: ResourceSpec, resource: string): ResourceSpec | undefined {
  return value.joins.find((join) => join.resource === resource);
}

/**
 * The XML node of one record of a resource: `UserCustomerGroups` →
 * `UserCustomerGroup`, `UserGroups` → `UserGroup`, `Customer` → `Customer`
 * (the document's own examples).
 */
export function nodeName(resource: string): string {
  return resource.endsWith('s') ? resource.slice(0, -1) : resource;
}
