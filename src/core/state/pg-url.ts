import { UserError } from '../errors.js';
import { interpolate } from '../../profiles/load.js';
import { registerStatePassword } from './state-spec.js';

/**
 * `--state postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?schema=NAME&sslmode=…]`
 * (or `postgresql://`), also from `$CUSTSYNC_STATE`: where a PostgreSQL
 * state lives. `${VAR}` anywhere in it is replaced from the environment, as
 * in profiles (quote it for the shell: `--state 'postgres://u:${PGPASS}@db/x'`,
 * so that the run history keeps `${PGPASS}` and never the password). The
 * password is registered as a secret before anything can print it.
 */
export interface PgLocation {
  /** What node-postgres connects with (password included; never printed). */
  connectionString: string;
  /** The URL without its password, for messages: `postgres://custsync@db.internal:5432/sync`. */
  where: string;
  /** The PostgreSQL schema that holds custsync's tables (`?schema=`, default `custsync`). */
  schema: string;
}

export { isStateUrl } from './state-spec.js';

const schemaName = /^[a-z_][a-z0-9_]{0,62}$/;

export function parseStateUrl(spec: string, env: NodeJS.ProcessEnv = process.env): PgLocation {
  // Register the raw password first: a `${VAR}` that is missing must not print a literal one either.
  registerStatePassword(spec);
  const text = substitute(spec, env);
  registerStatePassword(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserError(`--state ${redactStateUrl(text)} is not a valid postgres:// URL`, 'write it as postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE');
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!url.hostname) throw new UserError(`--state ${redactStateUrl(text)} names no host`, 'write it as postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE');
  if (!database || database.includes('/')) {
    throw new UserError(`--state ${redactStateUrl(text)} names no database`, 'write it as postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE');
  }
  const schema = url.searchParams.get('schema') ?? 'custsync';
  if (!schemaName.test(schema)) {
    throw new UserError(`--state: schema "${schema}" is not a plain PostgreSQL name`, 'use lower-case letters, digits and _ (default: custsync)');
  }
  // `schema` is ours, not a libpq parameter: node-postgres must not see it.
  url.searchParams.delete('schema');
  const where = new URL(url.toString());
  where.password = '';
  where.port ||= '5432';
  if (schema !== 'custsync') where.searchParams.set('schema', schema);
  return { connectionString: url.toString(), where: where.toString(), schema };
}

/** A state URL without its password (anything else is returned as it is). */
export function redactStateUrl(text: string): string {
  return text.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}

/**
 * `${VAR}` replaced from the environment; in the user and password part a
 * value is percent-encoded, so that a password with `@`, `/` or `:` in it
 * works as it is (elsewhere a value is taken as written: a host, a port).
 */
function substitute(spec: string, env: NodeJS.ProcessEnv): string {
  const start = spec.indexOf('://') + 3;
  const rest = spec.slice(start);
  const authorityEnd = start + (/[/?#]/.exec(rest)?.index ?? rest.length);
  const userinfoEnd = spec.lastIndexOf('@', authorityEnd);
  if (start < 3 || userinfoEnd < start) return interpolate(spec, '--state', env) as string;
  const encoded = new Proxy(env, { get: (target, name) => (typeof name === 'string' && target[name] !== undefined ? encodeURIComponent(target[name]!) : undefined) });
  return `${spec.slice(0, start)}${interpolate(spec.slice(start, userinfoEnd), '--state', encoded) as string}${interpolate(spec.slice(userinfoEnd), '--state', env) as string}`;
}
