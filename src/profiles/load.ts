import { readFileSync, existsSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { UserError } from '../core/errors.js';
import { registerSecret } from '../core/secrets.js';
import { ProfileSchema, ProfilesFileSchema, secretFields, type Profile } from './schema.js';
import { userStore } from './store.js';

/**
 * Where profiles come from, in SPEC section 2 order: `--profiles FILE`,
 * `$CUSTSYNC_PROFILES`, `./custsync.profiles.json`, then the user store.
 */
export interface ProfileSource {
  /** A file path, or `user store (PATH)`. */
  origin: string;
  /** Raw, uninterpolated profile objects by name. */
  raw: Record<string, unknown>;
}

export function locateProfiles(explicitFile?: string, env: NodeJS.ProcessEnv = process.env): ProfileSource {
  const file = explicitFile ?? env.CUSTSYNC_PROFILES ?? (existsSync('custsync.profiles.json') ? 'custsync.profiles.json' : undefined);
  if (file !== undefined) return { origin: file, raw: readProfilesFile(file, explicitFile ? '--profiles' : env.CUSTSYNC_PROFILES ? '$CUSTSYNC_PROFILES' : undefined) };
  const store = userStore();
  return { origin: `user store (${store.path})`, raw: store.all() };
}

function readProfilesFile(file: string, via?: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw new UserError(`profiles file ${file}${via ? ` (from ${via})` : ''} ${reason}`, 'copy profiles.example.json and edit it, or pass --profiles FILE');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`profiles file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ProfilesFileSchema.safeParse(json);
  if (!parsed.success) throw new UserError(`profiles file ${file}: ${formatIssues(parsed.error.issues)}`, 'it must look like {"profiles": {"NAME": {...}}}');
  return parsed.data.profiles;
}

/** zod issues flattened to `dot.path: message`, one per line. */
export function formatIssues(issues: z.core.$ZodIssue[], prefix = ''): string {
  return issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
      let message = issue.message;
      if (issue.code === 'unrecognized_keys') message = `unknown field(s) ${issue.keys.join(', ')}`;
      return path ? `${path}: ${message}` : message;
    })
    .join('; ');
}

/** Replaces `${VAR}` in every string; a missing variable is a UserError naming it (never a value). */
export function interpolate(value: unknown, where: string, env: NodeJS.ProcessEnv = process.env): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const found = env[name];
      if (found === undefined) {
        throw new UserError(`environment variable ${name} is not set (used by ${where})`, `export ${name}=… before running custsync`);
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, `${where}[${i}]`, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, `${where}.${k}`, env)]));
  }
  return value;
}

const loopbackHosts = new Set(['localhost', '::1', '[::1]']);

/** Loopback: `localhost`, `::1`, or an IPv4 literal in 127.0.0.0/8 (not a name that merely starts with "127."). */
export function isLoopback(hostname: string): boolean {
  return loopbackHosts.has(hostname) || (isIPv4(hostname) && hostname.startsWith('127.'));
}

/** Validates one raw profile: zod shape, interpolation, https rule. Registers its secrets for redaction. */
export function parseProfile(name: string, raw: unknown, env: NodeJS.ProcessEnv = process.env): Profile {
  const shape = ProfileSchema.safeParse(raw);
  if (!shape.success) throw new UserError(`profile "${name}": ${formatIssues(shape.error.issues)}`);
  const profile = ProfileSchema.parse(interpolate(shape.data, `profile "${name}"`, env));
  if (profile.auth) {
    for (const field of secretFields) registerSecret((profile.auth as Record<string, unknown>)[field] as string | undefined);
  }
  if (profile.baseUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(profile.baseUrl);
    } catch {
      throw new UserError(`profile "${name}": baseUrl "${profile.baseUrl}" is not a URL`);
    }
    // Credentials belong in `auth`; if someone put them in the URL, they are still never printed.
    if (url.password) registerSecret(decodeURIComponent(url.password));
    if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
      throw new UserError(
        `profile "${name}": baseUrl must be https:// (http:// is only allowed for loopback hosts)`,
        `change it to https://${url.host}${url.pathname}`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UserError(`profile "${name}": baseUrl must be an http(s) URL`);
    }
  }
  return profile;
}

/** Finds a profile by name; an unknown name lists the known ones. */
export function getProfile(source: ProfileSource, name: string, env: NodeJS.ProcessEnv = process.env): Profile {
  if (!(name in source.raw)) {
    const known = Object.keys(source.raw);
    throw new UserError(
      `unknown profile "${name}" (profiles from ${source.origin})`,
      known.length ? `known profiles: ${known.join(', ')}` : 'no profiles defined: see profiles.example.json, or use csv:PATH, jsonl:PATH or sandbox:ID',
    );
  }
  return parseProfile(name, source.raw[name], env);
}
