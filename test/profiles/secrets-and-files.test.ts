import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../src/core/secrets.js';
import { formatIssues, getProfile, locateProfiles, parseProfile } from '../../src/profiles/load.js';
import { secretFields } from '../../src/profiles/schema.js';
import { tempDir } from '../helpers/cli.js';

/** Every auth kind's secret is registered for redaction when its profile is read; profiles files and their mistakes. */
describe('the secret of every auth kind is redacted once its profile is read', () => {
  it.each([
    ['bearer', { type: 'bearer', token: 'unit-bearer-token' }, 'unit-bearer-token'],
    ['basic', { type: 'basic', username: 'user', password: 'unit-basic-password' }, 'unit-basic-password'],
    ['header', { type: 'header', name: 'X-Api-Key', value: 'unit-header-value' }, 'unit-header-value'],
    ['oauth2', { type: 'oauth2', tokenUrl: '/token', clientId: 'client', clientSecret: 'unit-client-secret' }, 'unit-client-secret'],
  ])('%s', (_kind, auth, secret) => {
    expect(redactSecrets(`x ${secret} y`)).toBe(`x ${secret} y`);
    parseProfile('p', { dialect: 'x', baseUrl: 'https://shop.example.com', auth }, {});
    expect(redactSecrets(`x ${secret} y`)).toBe('x *** y');
  });

  it('the secret fields are exactly those four', () => {
    expect([...secretFields].sort()).toEqual(['clientSecret', 'password', 'token', 'value']);
  });

  it('a user name or client id is not a secret', () => {
    parseProfile('p', { dialect: 'x', auth: { type: 'oauth2', tokenUrl: '/token', clientId: 'unit-client-id', clientSecret: 'unit-other-secret' } }, {});
    expect(redactSecrets('unit-client-id')).toBe('unit-client-id');
  });

  it('a password written into baseUrl is redacted too, decoded', () => {
    parseProfile('p', { dialect: 'x', baseUrl: 'https://me:unit%2Fpass%40word@shop.example.com/' }, {});
    expect(redactSecrets('unit/pass@word')).toBe('***');
  });
});

describe('baseUrl', () => {
  it('not a URL, or not http(s), is refused naming the profile', () => {
    expect(() => parseProfile('shop', { dialect: 'x', baseUrl: 'shop.example.com' }, {})).toThrow('profile "shop": baseUrl "shop.example.com" is not a URL');
    expect(() => parseProfile('shop', { dialect: 'x', baseUrl: 'ftp://shop.example.com' }, {})).toThrow('profile "shop": baseUrl must be an http(s) URL');
  });

  it('http:// elsewhere than loopback says what to write instead', () => {
    expect(() => parseProfile('shop', { dialect: 'x', baseUrl: 'http://shop.example.com/api' }, {})).toThrow(expect.objectContaining({ hint: 'change it to https://shop.example.com/api' }));
    expect(parseProfile('p', { dialect: 'x', baseUrl: 'http://localhost:9/' }, {}).baseUrl).toBe('http://localhost:9/');
    expect(parseProfile('p', { dialect: 'x', baseUrl: 'https://shop.example.com' }, {}).baseUrl).toBe('https://shop.example.com');
  });

  it('a file profile needs no baseUrl', () => {
    expect(parseProfile('f', { dialect: 'csv', path: 'x.csv' }, {})).toEqual({ dialect: 'csv', path: 'x.csv' });
  });
});

describe('profiles files', () => {
  it('--profiles first, then $CUSTSYNC_PROFILES', () => {
    const dir = tempDir();
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify({ profiles: { one: { dialect: 'csv' } } }));
    writeFileSync(b, JSON.stringify({ profiles: { two: { dialect: 'csv' } } }));
    expect(locateProfiles(a, { CUSTSYNC_PROFILES: b })).toEqual({ origin: a, raw: { one: { dialect: 'csv' } } });
    expect(locateProfiles(undefined, { CUSTSYNC_PROFILES: b })).toEqual({ origin: b, raw: { two: { dialect: 'csv' } } });
  });

  it('a missing file names where its name came from', () => {
    const missing = join(tempDir(), 'nope.json');
    expect(() => locateProfiles(missing, {})).toThrow(`profiles file ${missing} (from --profiles) does not exist`);
    expect(() => locateProfiles(undefined, { CUSTSYNC_PROFILES: missing })).toThrow(`profiles file ${missing} (from $CUSTSYNC_PROFILES) does not exist`);
    expect(() => locateProfiles(tempDir(), {})).toThrow(/cannot be read/);
  });

  it('not JSON, or not of the shape {"profiles": {...}}', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.json'), '{ profiles: ');
    expect(() => locateProfiles(join(dir, 'bad.json'), {})).toThrow(/is not valid JSON/);
    writeFileSync(join(dir, 'shape.json'), JSON.stringify({ profile: {} }));
    expect(() => locateProfiles(join(dir, 'shape.json'), {})).toThrow(expect.objectContaining({ hint: 'it must look like {"profiles": {"NAME": {...}}}' }));
  });

  it('no profiles at all: the hint says what else can be named', () => {
    expect(() => getProfile({ origin: 'x', raw: {} }, 'shop')).toThrow(expect.objectContaining({ hint: 'no profiles defined: see profiles.example.json, or use csv:PATH, jsonl:PATH or sandbox:ID' }));
  });
});

describe('formatIssues', () => {
  it('joins path and message, a prefix first; unknown keys named', () => {
    expect(formatIssues([{ code: 'custom', path: ['auth', 'token'], message: 'too short', input: '' }], 'p')).toBe('p.auth.token: too short');
    expect(formatIssues([{ code: 'unrecognized_keys', keys: ['a', 'b'], path: [], message: 'x', input: {} }])).toBe('unknown field(s) a, b');
    expect(formatIssues([{ code: 'custom', path: [], message: 'm1', input: 1 }, { code: 'custom', path: [0], message: 'm2', input: 1 }])).toBe('m1; 0: m2');
  });
});
