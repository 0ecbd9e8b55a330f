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
  /**
   * How far the emulator's clock is from this machine's, in ms (negative:
   * behind): the times it stamps on customers and its `Date` headers, as a
   * server whose clock is off. Default 0.
   */
  clockOffsetMs?: number;
  /** Tests: the emulator's clock itself (epoch ms), e.g. one held still; `clockOffsetMs` is added to it. Default `Date.now`. */
  clock?: () => number;
  /** One line per request, e.g. to stderr for `custsync sandbox`. */
  log?: (line: string) => void;
  /**
   * Tests and benchmarks: called before each list request (a page of
   * customers) is answered, to create, delete or change customers between
   * pages, as a live shop does during a read. Opt-in; `custsync sandbox`
   * never sets it.
   */
  beforeList?: (event: ListRequestEvent) => void;
}

/** What a {@link EmulatorOptions.beforeList} hook sees. */
export interface ListRequestEvent {
  /** 1 for the first list request the emulator answers, 2 for the next, … */
  n: number;
  /** The request's query parameters. */
  query: URLSearchParams;
  base: MutableBase;
}

/** The stored customers, as a hook may change them. */
export interface MutableBase {
  /** Keys (ids, usernames) in the order the list answers them. */
  keys(): string[];
  /** Stores `count` new generated customers, as the shop's own sign-ups would; returns their keys. */
  create(count: number): string[];
  /** Deletes one; false when there is none. */
  remove(key: string): boolean;
  /** Changes one (a field and its update time), as an edit in the shop would; false when there is none. */
  touch(key: string): boolean;
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
  /**
   * The most requests that arrived within any one second (to check a client's rate limit): counted
   * over 950 ms, as calls sent a second apart may arrive up to 50 ms closer together.
   */
  peakPerSecond: number;
  /** When the first and the last request arrived (epoch ms), 0 before any. */
  firstAt: number;
  lastAt: number;
}
