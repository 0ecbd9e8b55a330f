import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokenUrlOf } from '../../src/http/auth.js';
import { parseProfile } from '../../src/profiles/load.js';

describe('OAuth2 token URL', () => {
  it('resolves a relative tokenUrl against the host of baseUrl, not its path', () => {
    expect(tokenUrlOf('oauth2/token', 'https://api.helice.cloud/v2')).toBe('https://api.helice.cloud/oauth2/token');
    expect(tokenUrlOf('/oauth2/token', 'https://api.helice.cloud/v2/')).toBe('https://api.helice.cloud/oauth2/token');
    expect(tokenUrlOf('oauth2/token', 'http://127.0.0.1:4010/api/v2/customers')).toBe('http://127.0.0.1:4010/oauth2/token');
  });

  it('takes an absolute tokenUrl as it is', () => {
    expect(tokenUrlOf('https://auth.example.com/oauth2/token?audience=x', 'https://api.helice.cloud/v2')).toBe('https://auth.example.com/oauth2/token?audience=x');
  });

  it('profiles.example.json shows a Propeller profile for the real host', () => {
    const example = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../profiles.example.json'), 'utf8')) as { profiles: Record<string, unknown> };
    const profile = parseProfile('propeller', example.profiles.propeller, { PROPELLER_CLIENT_ID: 'id', PROPELLER_CLIENT_SECRET: 'secret' });
    expect(profile.baseUrl).toBe('https://api.helice.cloud/v2');
    expect(profile.auth).toMatchObject({ type: 'oauth2', tokenUrl: 'https://api.helice.cloud/oauth2/token' });
    expect(tokenUrlOf((profile.auth as { tokenUrl: string }).tokenUrl, profile.baseUrl!)).toBe('https://api.helice.cloud/oauth2/token');
    expect(profile.source).toBeTruthy();
  });
});
