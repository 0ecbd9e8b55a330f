import { Command } from 'commander';
import { redactUrl, UserError } from '../core/errors.js';
import { maskSecret } from '../core/secrets.js';
import { lookupDialect } from '../dialects/endpoint.js';
import { dialectIds } from '../dialects/registry.js';
import { formatIssues, getProfile, interpolate, locateProfiles, parseProfile } from '../profiles/load.js';
import { ProfileSchema, secretFields, type Auth, type Profile } from '../profiles/schema.js';
import { userStore } from '../profiles/store.js';
import { choice, fileOptions, globals, positiveInt, withEndpoint } from './shared.js';

/** `custsync profiles`: list, show, test, add and remove connection profiles. */
export function profilesCommand(): Command {
  const profiles = new Command('profiles')
    .description('list, show, test, add and remove connection profiles')
    .addHelpText(
      'after',
      `
Profiles are read from --profiles FILE, $CUSTSYNC_PROFILES, ./custsync.profiles.json,
then the user store (edited by "profiles add/remove"). \${VAR} in any value is
replaced from the environment. See profiles.example.json.

Examples:
  custsync profiles add shop --dialect spiffy --base-url https://shop.spiffystores.com --auth bearer --token '\${SPIFFY_TOKEN}'
  custsync profiles list
  custsync profiles show shop
  custsync profiles test sandbox:spiffy
  custsync profiles remove shop`,
    );

  profiles
    .command('list')
    .description('list the profiles and where they come from')
    .addHelpText('after', `
Examples:
  custsync profiles list
  custsync profiles list --profiles profiles.example.json
`)
    .action((_flags, command: Command) => {
      const g = globals(command);
      const source = locateProfiles(g.profiles);
      const names = Object.keys(source.raw);
      g.log.info(`profiles from ${source.origin}`);
      for (const name of names) {
        const raw = source.raw[name] as Partial<Profile> | undefined;
        process.stdout.write(`${name}\t${raw?.dialect ?? '?'}\t${raw?.baseUrl ?? raw?.path ?? ''}\n`);
      }
      if (names.length === 0) g.log.info('no profiles: see profiles.example.json, or "custsync profiles add"');
    });

  profiles
    .command('show')
    .description('print one profile with its secrets masked')
    .addHelpText('after', `
Examples:
  custsync profiles show spiffy --profiles profiles.example.json
`)
    .argument('<name>', 'profile name')
    .action((name: string, _flags, command: Command) => {
      const g = globals(command);
      const source = locateProfiles(g.profiles);
      // A ${VAR} that is not set is shown as the placeholder it is, not refused: show is how one finds out what a profile needs.
      const missing = new Set<string>();
      const env = new Proxy(process.env, {
        get(target, key) {
          const value = target[key as string];
          if (typeof key === 'string' && value === undefined) {
            missing.add(key);
            return `\${${key}}`;
          }
          return value;
        },
      });
      let profile: Profile;
      try {
        profile = getProfile(source, name, env);
      } catch (error) {
        if (missing.size === 0) throw error;
        // What cannot be checked before the variables are set (a baseUrl of ${SHOP_URL}) is shown as written.
        const shape = ProfileSchema.safeParse(interpolate(source.raw[name], `profile "${name}"`, env));
        if (!shape.success) throw new UserError(`profile "${name}": ${formatIssues(shape.error.issues)}`);
        profile = shape.data;
      }
      process.stdout.write(`${JSON.stringify(maskProfile(profile), null, 2)}\n`);
      for (const variable of missing) g.log.warn(`${variable} is not set: profile "${name}" cannot be used until it is (export ${variable}=…)`);
    });

  profiles
    .command('test')
    .description('make one authenticated read and say what was found or what to check')
    .addHelpText('after', `
Examples:
  custsync profiles test sandbox:spiffy
  custsync profiles test sandbox:propeller
`)
    .argument('<name>', 'profile name')
    .action(async (name: string, _flags, command: Command) => {
      const g = globals(command);
      await withEndpoint(name, { profilesFile: g.profiles, log: g.log, concurrency: 1, file: fileOptions({}), flag: 'profiles test' }, async (endpoint) => {
        const count = endpoint.dialect.count ? await endpoint.dialect.count(endpoint.ctx) : undefined;
        if (count !== undefined) {
          process.stdout.write(`profile "${name}" (${endpoint.dialect.id}): OK, ${count} customers\n`);
          return;
        }
        let seen = 0;
        for await (const record of endpoint.dialect.read(endpoint.ctx, { where: [], limit: 1 })) {
          void record;
          seen += 1;
          break;
        }
        process.stdout.write(`profile "${name}" (${endpoint.dialect.id}): OK, ${seen === 0 ? 'no customers found' : 'customers can be read'}\n`);
      });
    });

  profiles
    .command('add')
    .description('add a profile to the user store (--force replaces one of the same name)')
    .addHelpText('after', `
Examples:
  custsync profiles add shop --dialect spiffy --base-url https://shop.spiffystores.com --auth bearer --token '\${SPIFFY_TOKEN}'
  custsync profiles add shop --dialect spiffy --base-url https://shop.spiffystores.com --auth bearer --token '\${SHOP_TOKEN}' --force
  custsync profiles add export --dialect csv --path customers.csv
`)
    .argument('<name>', 'profile name')
    .requiredOption('--dialect <id>', `one of ${dialectIds().join(', ')}`)
    .option('--base-url <url>', 'API address (https:// unless loopback)')
    .option('--path <file>', 'file dialects: the file')
    .option('--auth <type>', 'bearer, basic, header or oauth2', choice('--auth', ['bearer', 'basic', 'header', 'oauth2'] as const))
    .option('--token <token>', 'bearer: the token (use \'${VAR}\' to keep it out of the store)')
    .option('--username <name>', 'basic: user name')
    .option('--password <password>', 'basic: password')
    .option('--header-name <name>', 'header: the header, e.g. X-GC-API-KEY')
    .option('--header-value <value>', 'header: its value')
    .option('--token-url <url>', 'oauth2: token endpoint')
    .option('--client-id <id>', 'oauth2: client id')
    .option('--client-secret <secret>', 'oauth2: client secret')
    .option('--source <source>', 'propeller: the source written beside sourceId')
    .option('--page-size <n>', 'records per page', positiveInt('--page-size'))
    .option('--force', 'replace a profile of the same name')
    .action((name: string, flags, command: Command) => {
      const g = globals(command);
      const store = userStore();
      if (name in store.all() && !flags.force) {
        throw new UserError(`profile "${name}" already exists in the user store (${store.path})`, `add --force to replace it, "custsync profiles show ${name}" to see it, or choose another name`);
      }
      const dialect = lookupDialect(flags.dialect, '--dialect');
      if (dialect.kind === 'remote' && !flags.baseUrl) throw new UserError(`--dialect ${dialect.id} needs --base-url`, 'the https:// address of the API');
      if (dialect.kind === 'file' && !flags.path) throw new UserError(`--dialect ${dialect.id} needs --path`, 'the file to read or write');
      if (dialect.kind === 'remote' && !flags.auth) throw new UserError(`--dialect ${dialect.id} needs --auth`, 'bearer, basic, header or oauth2, with its flags');
      const profile: Record<string, unknown> = { dialect: flags.dialect };
      if (flags.baseUrl) profile.baseUrl = flags.baseUrl;
      if (flags.path) profile.path = flags.path;
      if (flags.source) profile.source = flags.source;
      if (flags.pageSize) profile.pageSize = flags.pageSize;
      if (flags.auth) profile.auth = authFromFlags(flags.auth, flags);
      // Validate the shape now; ${VAR}s are checked when the profile is used.
      parseProfile(name, profile, new Proxy({}, { get: () => 'x' }) as NodeJS.ProcessEnv);
      store.set(name, profile);
      for (const [flag, value] of literalSecrets(flags)) {
        g.log.warn(`${flag} is stored as typed in ${store.path}; give '\${VAR}' instead (e.g. ${flag} '\${${variableFor(name, flag)}}') and keep the secret in the environment`);
        void value;
      }
      g.log.info(`profile "${name}" saved in ${store.path}`);
    });

  profiles
    .command('remove')
    .description('remove a profile from the user store')
    .addHelpText('after', `
Examples:
  custsync profiles add old --dialect csv --path old.csv
  custsync profiles remove old
`)
    .argument('<name>', 'profile name')
    .action((name: string, _flags, command: Command) => {
      const g = globals(command);
      const store = userStore();
      if (!store.remove(name)) throw new UserError(`no profile "${name}" in the user store (${store.path})`);
      g.log.info(`profile "${name}" removed`);
    });

  return profiles;
}

function authFromFlags(type: Auth['type'], flags: Record<string, string | undefined>): Auth {
  const need = (flag: string, value: string | undefined) => {
    if (!value) throw new UserError(`--auth ${type} needs ${flag}`);
    return value;
  };
  switch (type) {
    case 'bearer':
      return { type, token: need('--token', flags.token) };
    case 'basic':
      return { type, username: need('--username', flags.username), password: need('--password', flags.password) };
    case 'header':
      return { type, name: need('--header-name', flags.headerName), value: need('--header-value', flags.headerValue) };
    case 'oauth2':
      return { type, tokenUrl: need('--token-url', flags.tokenUrl), clientId: need('--client-id', flags.clientId), clientSecret: need('--client-secret', flags.clientSecret) };
    default:
      throw new UserError(`--auth ${type} is not supported here`);
  }
}

const secretFlags = { token: '--token', password: '--password', headerValue: '--header-value', clientSecret: '--client-secret' } as const;

/** Secret flags given as a value rather than a ${VAR}: they land in the user store as they are. */
function literalSecrets(flags: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(secretFlags)
    .filter(([key]) => typeof flags[key] === 'string' && !/\$\{[A-Za-z_][A-Za-z0-9_]*\}/.test(flags[key] as string))
    .map(([key, flag]) => [flag, flags[key] as string]);
}

function variableFor(profile: string, flag: string): string {
  return `${profile}_${flag.replace(/^--/, '')}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** A secret field still holding only unset ${VAR} placeholders is shown as such: it is not a secret. */
const placeholderOnly = (value: string) => /^(\$\{[A-Za-z_][A-Za-z0-9_]*\})+$/.test(value);

function maskProfile(profile: Profile): Profile {
  const masked: Profile = profile.baseUrl ? { ...profile, baseUrl: redactUrl(profile.baseUrl) } : { ...profile };
  if (!profile.auth) return masked;
  const auth = { ...profile.auth } as Record<string, unknown>;
  for (const field of secretFields) if (typeof auth[field] === 'string' && !placeholderOnly(auth[field] as string)) auth[field] = maskSecret(auth[field] as string);
  return { ...masked, auth: auth as Auth };
}
