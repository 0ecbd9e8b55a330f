import type { Profile } from '../profiles/schema.js';

/** How a sandbox emulator is started (`custsync sandbox`, `sandbox:ID`, tests, benchmarks). */
export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only; default 127.0.0.1. */
  host?: string;
  /** Generated customers to seed it with (default 50). */
  customers?: number;
  /** Seed of the generator: same seed, same customers. */
  seed?: number;
  /** Added to every answer. */
  latencyMs?: number;
  /** Share of requests (0..1) answered with a 429 (with Retry-After) or a 503 instead. */
  failRate?: number;
  /** Retry-After of injected 429s, in seconds (default 1). */
  retryAfterSeconds?: number;
  /** One line per request, e.g. to stderr for `custsync sandbox`. */
  log?: (line: string) => void;
}

/** A running emulator. */
export interface EmulatorHandle {
  /** Its base URL, e.g. http://127.0.0.1:4010 */
  readonly url: string;
  /** A profile that reaches it with valid credentials. */
  readonly profile: Profile;
  stats(): EmulatorStats;
  close(): Promise<void>;
}

/** What reached the emulator; also served at `GET /__sandbox/stats`. */
export interface EmulatorStats {
  requests: number;
  /** Requests that change data (POST, PUT, PATCH, DELETE), injected failures excluded. */
  writes: number;
  byMethod: Record<string, number>;
  injectedFailures: number;
  unauthorized: number;
}
