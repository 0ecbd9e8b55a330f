import { describe, expect, it } from 'vitest';
import { emailRefusal, isEmailAddress } from '../../src/core/email.js';
import { maskPayload } from '../../src/core/mask.js';
import { maskSecret, redactSecrets, registerSecret } from '../../src/core/secrets.js';
import { stableStringify } from '../../src/core/stable-json.js';

/** Small pure helpers the CLI leans on: the email form, stable JSON, secret redaction and payload masking. */
describe('email form', () => {
  it('one @, no spaces, a dot in the domain', () => {
    for (const ok of ['a@b.co', ' a.b+c@example.org ', 'x@sub.example.com']) expect(isEmailAddress(ok), ok).toBe(true);
    for (const bad of ['ab.co', 'a@b', 'a@@b.co', 'a b@c.co', 'a@b c.co', '@b.co', 'a@.', 'a@b.', '']) expect(isEmailAddress(bad), bad).toBe(false);
  });

  it('a refusal names the email; no email, a blank one or a good one is no refusal', () => {
    expect(emailRefusal('not-an-email')).toBe('email "not-an-email" is not a valid email address');
    expect(emailRefusal(undefined)).toBeUndefined();
    expect(emailRefusal('  ')).toBeUndefined();
    expect(emailRefusal('a@b.co')).toBeUndefined();
  });
});

describe('stableStringify', () => {
  it('sorts object keys at every depth, drops undefined members, keeps array order', () => {
    expect(stableStringify({ b: 1, a: { d: [3, 1], c: undefined, b: null } })).toBe('{"a":{"b":null,"d":[3,1]},"b":1}');
    expect(stableStringify({ b: 1, a: 2 })).toBe(stableStringify({ a: 2, b: 1 }));
    expect(stableStringify([{ y: 1, x: 2 }, 'z'])).toBe('[{"x":2,"y":1},"z"]');
    // Enough keys, in an order of their own, that a comparator off by a branch cannot sort them by luck.
    const letters = [...'qwertyuiopasdfghjklzxcvbnm'];
    expect(stableStringify(Object.fromEntries(letters.map((c, i) => [c, i])))).toBe(JSON.stringify(Object.fromEntries(letters.sort().map((c) => [c, 'qwertyuiopasdfghjklzxcvbnm'.indexOf(c)]))));
  });

  it('scalars as JSON; undefined alone is null', () => {
    expect(stableStringify('a"b')).toBe('"a\\"b"');
    expect(stableStringify(0)).toBe('0');
    expect(stableStringify(false)).toBe('false');
    expect(stableStringify(null)).toBe('null');
    expect(stableStringify(undefined)).toBe('null');
  });

  it('orders keys by code unit, not by locale', () => {
    expect(stableStringify({ b: 1, B: 2, a: 3 })).toBe('{"B":2,"a":3,"b":1}');
  });
});

describe('secrets', () => {
  it('a registered value is replaced by *** wherever and however often it appears', () => {
    registerSecret('tok-unit-1234');
    expect(redactSecrets('a tok-unit-1234 b tok-unit-1234')).toBe('a *** b ***');
    expect(redactSecrets('nothing here')).toBe('nothing here');
  });

  it('values shorter than 4 characters and empty or missing ones are not registered', () => {
    registerSecret('abc');
    registerSecret('');
    registerSecret(undefined);
    expect(redactSecrets('abc is a common word')).toBe('abc is a common word');
    registerSecret('abcd');
    expect(redactSecrets('abcd!')).toBe('***!');
  });

  it('profiles show prints only whether a secret is set', () => {
    expect(maskSecret('hunter22')).toBe('********');
    expect(maskSecret('')).toBe('(empty)');
  });
});

describe('maskPayload', () => {
  it('masks sensitive fields at any depth and in arrays, whatever their case', () => {
    const masked = maskPayload({
      email: 'a@b.co',
      password: 'p',
      PasswordHash: 'h',
      password_hash: 'h2',
      inner: { ssn: '123', token: 't', secret: 's', clientSecret: 'c', access_token: 'a', name: 'n' },
      list: [{ SSN: '9' }],
    });
    expect(masked).toEqual({
      email: 'a@b.co',
      password: '***',
      PasswordHash: '***',
      password_hash: '***',
      inner: { ssn: '***', token: '***', secret: '***', clientSecret: '***', access_token: '***', name: 'n' },
      list: [{ SSN: '***' }],
    });
  });

  it('leaves empty and absent sensitive fields as they are, and names that only contain a sensitive word', () => {
    expect(maskPayload({ password: '', ssn: undefined, passwordHint: 'x', tokens: 'y' })).toEqual({ password: '', ssn: undefined, passwordHint: 'x', tokens: 'y' });
  });

  it('redacts registered secrets inside other strings; other values pass through', () => {
    registerSecret('key-unit-5678');
    expect(maskPayload({ note: 'sent with key-unit-5678', n: 3, ok: true, none: null })).toEqual({ note: 'sent with ***', n: 3, ok: true, none: null });
    expect(maskPayload('key-unit-5678')).toBe('***');
  });
});
