import { describe, expect, it } from 'vitest';
import { getProfile, interpolate, isLoopback, parseProfile } from '../../src/profiles/load.js';
import { redactSecrets } from '../../src/core/secrets.js';

describe('profiles', () => {
  it('interpolates ${VAR} anywhere in strings', () => {
    expect(interpolate({ a: 'x-${A}-${B}', b: ['${A}'], c: 3 }, 'p', { A: '1', B: '2' })).toEqual({ a: 'x-1-2', b: ['1'], c: 3 });
  });

  it('names a missing variable, never a value', () => {
    expect(() => interpolate({ token: '${NOPE}' }, 'profile "x"', {})).toThrow('environment variable NOPE is not set (used by profile "x".token)');
  });

  it('validates with messages naming the profile and field', () => {
    expect(() => parseProfile('shop', { dialect: 'spiffy', pageSize: 0 }, {})).toThrow(/profile "shop": pageSize: /);
    expect(() => parseProfile('shop', { dialect: 'spiffy', colour: 'red' }, {})).toThrow(/profile "shop": unknown field\(s\) colour/);
    expect(() => parseProfile('shop', { dialect: 'spiffy', auth: { type: 'kerberos' } }, {})).toThrow(/profile "shop": auth\.type/);
  });

  it('requires https unless the host is loopback', () => {
    expect(() => parseProfile('p', { dialect: 'x', baseUrl: 'http://shop.example.com' }, {})).toThrow(/must be https/);
    expect(parseProfile('p', { dialect: 'x', baseUrl: 'http://127.0.0.1:4010' }, {}).baseUrl).toBe('http://127.0.0.1:4010');
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('[::1]')).toBe(true);
    expect(isLoopback('10.0.0.1')).toBe(false);
    expect(isLoopback('127.0.0.1.example.com')).toBe(false);
    expect(isLoopback('127.attacker.example')).toBe(false);
    expect(isLoopback('127.1.2.3')).toBe(true);
    expect(() => parseProfile('p', { dialect: 'x', baseUrl: 'http://127.0.0.1.example.com' }, {})).toThrow(/must be https/);
  });

  it('registers secrets so every printed line redacts them', () => {
    parseProfile('p', { dialect: 'x', auth: { type: 'bearer', token: '${T}' } }, { T: 'tok-abcdef-123' });
    expect(redactSecrets('sent tok-abcdef-123 along')).toBe('sent *** along');
  });

  it('finds a known profile by name', () => {
    const source = { origin: 'test', raw: { a: { dialect: 'csv' } } };
    expect(getProfile(source, 'a', {})).toMatchObject({ dialect: 'csv' });
  });

  it('a missing variable: the hint says what to export; inside a list the item is named', () => {
    expect(() => interpolate({ list: ['ok', '${NOPE}'] }, 'profile "x"', {})).toThrow(
      expect.objectContaining({ message: 'environment variable NOPE is not set (used by profile "x".list[1])', hint: 'export NOPE=… before running custsync' }),
    );
  });

  it('lists the known profiles for an unknown name', () => {
    const source = { origin: 'test', raw: { a: { dialect: 'csv' }, b: { dialect: 'csv' } } };
    expect(() => getProfile(source, 'c')).toThrow('unknown profile "c"');
    try {
      getProfile(source, 'c');
    } catch (error) {
      expect((error as { hint?: string }).hint).toBe('known profiles: a, b');
    }
  });
});
