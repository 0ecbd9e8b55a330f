import { describe, expect, it } from 'vitest';
import { runCli, tempDir, writeProfiles } from '../helpers/cli.js';

describe('profiles show with variables that are not set', () => {
  it('shows the ${VAR} placeholder, warns naming the variable, and exits 0', async () => {
    const file = writeProfiles(tempDir(), {
      shop: { dialect: 'spiffy', baseUrl: '${SHOP_URL}', auth: { type: 'bearer', token: '${SHOP_TOKEN}' } },
    });
    const result = await runCli(['profiles', 'show', 'shop', '--profiles', file], { env: { SHOP_TOKEN: undefined, SHOP_URL: undefined } });
    expect(result.code, result.stderr).toBe(0);
    const shown = JSON.parse(result.stdout) as { baseUrl: string; auth: { token: string } };
    expect(shown.auth.token).toBe('${SHOP_TOKEN}');
    expect(shown.baseUrl).toBe('${SHOP_URL}');
    expect(result.stderr).toContain('warning: SHOP_TOKEN is not set: profile "shop" cannot be used until it is');
    expect(result.stderr).toContain('SHOP_URL is not set');
  });

  it('masks the secret once the variable is set, and still refuses a profile of the wrong shape', async () => {
    const file = writeProfiles(tempDir(), {
      shop: { dialect: 'spiffy', baseUrl: 'https://shop.example.com', auth: { type: 'bearer', token: '${SHOP_TOKEN}' } },
      broken: { dialect: 'spiffy', baseUrl: '${NOPE}', auth: { type: 'bearer' } },
    });
    const set = await runCli(['profiles', 'show', 'shop', '--profiles', file], { env: { SHOP_TOKEN: 'tok-very-secret-1' } });
    expect((JSON.parse(set.stdout) as { auth: { token: string } }).auth.token).toBe('********');
    expect(set.stdout + set.stderr).not.toContain('tok-very-secret-1');
    const broken = await runCli(['profiles', 'show', 'broken', '--profiles', file], { env: { NOPE: undefined } });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/profile "broken": auth\.token/);
  });
});

describe('profiles add', () => {
  const add = (env: Record<string, string>, ...extra: string[]) =>
    runCli(['profiles', 'add', 'shop', '--dialect', 'spiffy', '--base-url', 'https://shop.example.com', '--auth', 'bearer', ...extra], { env });

  it('refuses to replace a profile without --force, and replaces it with --force', async () => {
    const env = { CUSTSYNC_CONFIG_DIR: tempDir() };
    expect((await add(env, '--token', '${SHOP_TOKEN}')).code).toBe(0);
    const again = await add(env, '--token', '${OTHER_TOKEN}');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('profile "shop" already exists in the user store');
    expect(again.stderr).toContain('--force');
    const shown = await runCli(['profiles', 'show', 'shop'], { env: { ...env, SHOP_TOKEN: undefined, OTHER_TOKEN: undefined } });
    expect(shown.stdout).toContain('${SHOP_TOKEN}');
    expect((await add(env, '--token', '${OTHER_TOKEN}', '--force')).code).toBe(0);
    const replaced = await runCli(['profiles', 'show', 'shop'], { env: { ...env, OTHER_TOKEN: undefined } });
    expect(replaced.stdout).toContain('${OTHER_TOKEN}');
  });

  it('warns when a secret is given as it is instead of as ${VAR}', async () => {
    const env = { CUSTSYNC_CONFIG_DIR: tempDir() };
    const literal = await add(env, '--token', 'plain-secret-token');
    expect(literal.code).toBe(0);
    expect(literal.stderr).toContain("warning: --token is stored as typed in");
    expect(literal.stderr).toContain("--token '${SHOP_TOKEN}'");
    expect(literal.stderr).not.toContain('plain-secret-token');
    const variable = await runCli(['profiles', 'add', 'other', '--dialect', 'spiffy', '--base-url', 'https://shop.example.com', '--auth', 'bearer', '--token', '${SHOP_TOKEN}'], { env });
    expect(variable.stderr).not.toContain('warning');
  });
});
