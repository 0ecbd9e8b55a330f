import { createRequire } from 'node:module';
import type ConfClass from 'conf';

// conf (and the JSON-schema validator under it) takes a third of a second to load, and most runs
// read their profiles from a file: it is loaded on first use, synchronously (require of an ES module).
const require = createRequire(import.meta.url);
const loadConf = (): typeof ConfClass => (require('conf') as { default: typeof ConfClass }).default;

/**
 * The user store of profiles (SPEC section 2), kept with `conf`.
 * `CUSTSYNC_CONFIG_DIR` points it elsewhere, which the tests use so they never
 * touch the real user's store.
 */
export interface UserStore {
  path: string;
  all(): Record<string, unknown>;
  set(name: string, profile: unknown): void;
  remove(name: string): boolean;
}

export function userStore(env: NodeJS.ProcessEnv = process.env): UserStore {
  const Conf = loadConf();
  const conf = new Conf<{ profiles: Record<string, unknown> }>({
    projectName: 'custsync',
    projectSuffix: '',
    configName: 'profiles',
    cwd: env.CUSTSYNC_CONFIG_DIR,
    defaults: { profiles: {} },
  });
  return {
    path: conf.path,
    all: () => ({ ...conf.get('profiles') }),
    set(name, profile) {
      conf.set('profiles', { ...conf.get('profiles'), [name]: profile });
    },
    remove(name) {
      const profiles = { ...conf.get('profiles') };
      if (!(name in profiles)) return false;
      delete profiles[name];
      conf.set('profiles', profiles);
      return true;
    },
  };
}
