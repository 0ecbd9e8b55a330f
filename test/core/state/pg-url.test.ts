import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { redactSecrets } from '../../../src/core/secrets.js';
import { isStateUrl, parseStateUrl } from '../../../src/core/state/pg-url.js';

describe('--state postgres:// URLs', () => {
  it('tells a URL from a directory', () => {
    expect(isStateUrl('postgres://u@h/db')).toBe(true);
    expect(isStateUrl('postgresql://u@h/db')).toBe(true);
    expect(isStateUrl('./.custsync')).toBe(false);
    expect(isStateUrl('/srv/postgres/state')).toBe(false);
  });

  it('keeps the user, host, port and database, and never the password, in what it prints', () => {
    const location = parseStateUrl('postgres://sync:s3cret-pw@db.internal:6543/custsync');
    expect(location.where).toBe('postgres://sync@db.internal:6543/custsync');
    expect(location.connectionString).toContain('s3cret-pw');
    expect(location.schema).toBe('custsync');
    expect(redactSecrets('failed on postgres://sync:s3cret-pw@db.internal:6543/custsync')).not.toContain('s3cret-pw');
  });

  it('names the default port, and takes ?schema= out of what node-postgres sees', () => {
    const location = parseStateUrl('postgres://sync@db.internal/custsync?schema=nightly&sslmode=require');
    expect(location.schema).toBe('nightly');
    expect(location.where).toBe('postgres://sync@db.internal:5432/custsync?sslmode=require&schema=nightly');
    expect(location.connectionString).toBe('postgres://sync@db.internal/custsync?sslmode=require');
  });

  it('replaces ${VAR} from the environment and registers the password it brings', () => {
    const location = parseStateUrl('postgres://sync:${STATE_PW}@${STATE_HOST}:5432/custsync', { STATE_PW: 'from-the-env-42', STATE_HOST: '10.1.2.3' });
    expect(location.connectionString).toBe('postgres://sync:from-the-env-42@10.1.2.3:5432/custsync');
    expect(location.where).toBe('postgres://sync@10.1.2.3:5432/custsync');
    expect(redactSecrets('password from-the-env-42')).toBe('password ***');
  });

  it('a password from ${VAR} may hold @, / and :, and is never printed in either form', () => {
    const location = parseStateUrl('postgres://${STATE_USER}:${STATE_PW}@db.internal/custsync', { STATE_USER: 'sync', STATE_PW: 'p@ss/w:rd%42' });
    expect(location.connectionString).toBe('postgres://sync:p%40ss%2Fw%3Ard%2542@db.internal/custsync');
    expect(location.where).toBe('postgres://sync@db.internal:5432/custsync');
    expect(redactSecrets('pw p@ss/w:rd%42 or p%40ss%2Fw%3Ard%2542')).toBe('pw *** or ***');
  });

  it('a short password is still never printed inside its URL', () => {
    parseStateUrl('postgres://sync:pw@h/db');
    expect(redactSecrets('postgres://sync:pw@h/db')).not.toContain(':pw@');
  });

  it('refuses, with exit 2, a missing variable (naming it), a URL without host or database, and a bad schema name', () => {
    const refused = (spec: string, env: NodeJS.ProcessEnv = {}) => {
      try {
        parseStateUrl(spec, env);
      } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        return (error as UserError).message;
      }
      throw new Error(`accepted ${spec}`);
    };
    expect(refused('postgres://sync:${NOPE_PW}@h/db')).toBe('environment variable NOPE_PW is not set (used by --state)');
    expect(refused('postgres://sync:hidden-pw@h')).toMatch(/names no database/);
    expect(refused('postgres://sync:hidden-pw@h')).not.toContain('hidden-pw');
    expect(refused('postgres:///db')).toMatch(/names no host/);
    expect(refused('postgres://u@h/db?schema=Robert%27);DROP')).toMatch(/schema "Robert'\);DROP" is not a plain PostgreSQL name/);
  });
});
