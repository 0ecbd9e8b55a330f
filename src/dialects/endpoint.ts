import type { Dialect, DialectContext, FileOptions } from '../core/dialect.js';
import { UserError } from '../core/errors.js';
import { HttpClient } from '../http/client.js';
import type { EmulatorHandle, EmulatorOptions } from '../emulator/types.js';
import { getProfile, locateProfiles, parseProfile } from '../profiles/load.js';
import type { Profile } from '../profiles/schema.js';
import type { Logger } from '../ui/logger.js';
import { dialects, dialectIds } from './registry.js';

/**
 * Resolves a SRC/DST as typed on the command line (SPEC section 1): a profile
 * name, `csv:PATH`, `jsonl:PATH`, `-`, or `sandbox:ID` (that dialect's
 * emulator started in-process on a free loopback port).
 */
export interface Endpoint {
  /** As typed, for messages and state. */
  readonly label: string;
  readonly dialect: Dialect;
  readonly ctx: DialectContext;
  /** Set for `sandbox:ID`. */
  readonly emulator?: EmulatorHandle;
  close(): Promise<void>;
}

export interface ResolveOptions {
  profilesFile?: string;
  log: Logger;
  concurrency?: number;
  file: FileOptions;
  /** For `-`: which file form. */
  format?: 'csv' | 'jsonl';
  /** For `sandbox:ID`. */
  sandbox?: EmulatorOptions;
  /** Which flag named it, for messages (`--from`, `--to`, `--in`). */
  flag: string;
}

export function lookupDialect(id: string, where: string): Dialect {
  const dialect = dialects[id];
  if (!dialect) throw new UserError(`${where}: unknown dialect "${id}"`, `known dialects: ${dialectIds().join(', ')}`);
  return dialect;
}

export async function resolveEndpoint(spec: string, options: ResolveOptions): Promise<Endpoint> {
  if (spec === '-') return fileEndpoint(spec, lookupDialect(options.format ?? 'csv', options.flag), '-', options);
  const prefixed = /^([a-z][a-z0-9-]*):(.*)$/s.exec(spec);
  if (prefixed && prefixed[1] === 'sandbox') {
    const dialect = lookupDialect(prefixed[2], `${options.flag} ${spec}`);
    if (!dialect.emulator) throw new UserError(`${options.flag} ${spec}: dialect ${dialect.id} has no sandbox emulator`);
    // A target sandbox holds other people than a source sandbox (another seed), so that
    // `migrate --from sandbox:A --to sandbox:B` shows customers arriving, not colliding.
    const emulator = await dialect.emulator.start({ customers: 50, seed: options.flag === '--to' ? 2 : 1, ...options.sandbox });
    return remoteEndpoint(spec, dialect, emulator.profile, options, emulator);
  }
  if (prefixed && dialects[prefixed[1]]?.kind === 'file') {
    if (prefixed[2] === '') throw new UserError(`${options.flag} ${spec}: give a path after "${prefixed[1]}:"`);
    return fileEndpoint(spec, dialects[prefixed[1]], prefixed[2], options);
  }
  const source = locateProfiles(options.profilesFile);
  const profile = getProfile(source, spec);
  const dialect = lookupDialect(profile.dialect, `profile "${spec}"`);
  if (dialect.kind === 'file') return fileEndpoint(spec, dialect, profile.path ?? '-', options, profile);
  return remoteEndpoint(spec, dialect, profile, options);
}

function fileEndpoint(label: string, dialect: Dialect, path: string, options: ResolveOptions, profile?: Profile): Endpoint {
  const { ctx, closeHttp } = context(label, { ...(profile ?? { dialect: dialect.id }), path }, dialect, options);
  return { label, dialect, ctx, close: closeHttp };
}

function remoteEndpoint(label: string, dialect: Dialect, raw: Profile, options: ResolveOptions, emulator?: EmulatorHandle): Endpoint {
  if (dialect.kind !== 'remote') throw new UserError(`profile "${label}" uses dialect ${dialect.id}, which is a file form`);
  const profile = emulator ? parseProfile(label, raw) : raw;
  if (!profile.baseUrl) throw new UserError(`profile "${label}": baseUrl is missing`, `dialect ${dialect.id} needs the API's https:// address`);
  const { ctx, closeHttp } = context(label, profile, dialect, options);
  return {
    label,
    dialect,
    ctx,
    emulator,
    async close() {
      await closeHttp();
      await emulator?.close();
    },
  };
}

/** The dialect's context; its HTTP client is made on first use, so file dialects never open one. */
function context(label: string, profile: Profile, dialect: Dialect, options: ResolveOptions): { ctx: DialectContext; closeHttp: () => Promise<void> } {
  let http: HttpClient | undefined;
  const concurrency = options.concurrency ?? profile.concurrency ?? 4;
  const ctx: DialectContext = {
    profileName: label,
    profile,
    log: options.log,
    concurrency,
    file: options.file,
    get http(): HttpClient {
      http ??= new HttpClient({
        profileName: label,
        baseUrl: profile.baseUrl ?? 'http://127.0.0.1/',
        auth: profile.auth,
        rateLimit: profile.rateLimit,
        timeoutMs: profile.timeoutMs,
        retries: profile.retries,
        connections: Math.max(concurrency, 2),
        log: options.log,
        ...dialect.http,
      });
      return http;
    },
  };
  return { ctx, closeHttp: async () => http?.close().catch(() => undefined) };
}
