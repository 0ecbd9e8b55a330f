import type { Customer } from './customer.js';
import type { ReadQuery } from './query.js';
import type { Profile } from '../profiles/schema.js';
import type { HttpClient, HttpClientOptions } from '../http/client.js';
import type { Logger } from '../ui/logger.js';
import type { EmulatorHandle, EmulatorOptions } from '../emulator/types.js';
import type { DialectSplit } from './read/parts.js';

/**
 * A dialect is one system custsync can read from and write to: a file form
 * (`csv`, `jsonl`) or a platform API (`spiffy`, `resultset`, …). The registry
 * (`src/dialects/registry.ts`) maps each id to one of these objects; the core
 * never names a dialect.
 */
export interface Dialect {
  readonly id: string;
  /** One line for `--help` and `profiles list`. */
  readonly title: string;
  /** `file` dialects take `path`; `remote` ones need `baseUrl` and talk HTTP through `ctx.http`. */
  readonly kind: 'file' | 'remote';

  /**
   * Yields every record that satisfies the query, in canonical form, each
   * validated with `parseCustomer`. An implementer may push conditions down to
   * the server but must still return exactly what `matches(record, query)`
   * accepts (use `applyQuery` as the safety net), and must stream: memory
   * bounded by what is in flight and read ahead (a few pages per request
   * slot), never the whole base. Remote dialects read through the engine in
   * `src/core/read`, which also makes a read lose nothing while the base
   * changes and keeps the source's order.
   */
  read(ctx: DialectContext, query: ReadQuery): AsyncIterable<Customer>;

  /**
   * Writes records and yields exactly one result per record, in any order.
   * One record's failure (validation, a 4xx about that record, a duplicate
   * email) is a `rejected` result with the reason, never an exception; a
   * failure of the whole remote side (auth, unreachable) throws RemoteError.
   * A record must be reported `created`/`updated` only after the target
   * confirmed it.
   */
  write(ctx: DialectContext, records: AsyncIterable<Customer>, options: WriteOptions): AsyncIterable<WriteResult>;

  /**
   * Looks the record up on the target (by its key as this dialect would write
   * it, then by email) and returns the target id, or undefined. Used by
   * `migrate --resume` for records that were in flight when a run died, and by
   * dry runs. Read-only.
   */
  find?(ctx: DialectContext, record: Customer): Promise<string | undefined>;

  /**
   * Why the target would refuse this record, known without asking it: a
   * mandatory field missing, a value the API does not take (a malformed
   * email). Pure, no request. `write` must reject such a record with this
   * reason without sending it; dry runs call it for every record, so they
   * reject what the real run would (SPEC section 1, exit codes).
   */
  check?(record: Customer, ctx: Pick<DialectContext, 'profileName' | 'profile'>): string | undefined;

  /**
   * Why writing this record (which `find` did not find) would be refused,
   * checked read-only, e.g. its email already belongs to another customer.
   * Dry runs report such a record `rejected` with this reason. `write` must
   * refuse it the same way.
   */
  refusal?(ctx: DialectContext, record: Customer): Promise<string | undefined>;

  /**
   * True when `write` in `upsert` mode finds an existing record itself (by the
   * key it writes, or email) and updates it, so sending a record twice never
   * creates it twice. `migrate --resume` then sends records that were in
   * flight when a run stopped again, even when `find` sees them on the
   * target, which completes a write that stopped half-way (a customer stored,
   * its addresses not). Without it, a found record is taken as done.
   */
  readonly upsertMatches?: boolean;

  /**
   * The server-side filter that `ReadQuery.since` goes to (e.g.
   * `updated_at_min`), named in logs. Set it only when a read with `since`
   * returns every record changed at or after that instant by the server's
   * clock (the filter inclusive, rounded down where the API is coarser).
   * Absent: the source cannot filter by change, and `--incremental` reads it
   * whole (unchanged records are then skipped by their hash).
   */
  readonly changeFilter?: string;

  /**
   * The record as the target holds it now, found as `write` would match it
   * (by the key it writes), or undefined. For a target whose `write` cannot
   * tell that a record is unchanged (a batch upsert that rewrites, and
   * re-dates, whatever it is sent): `push` compares the stored record with
   * the record's projection first and reports `unchanged`, sending nothing
   * (`core/unchanged.ts`). A `write` that looks each record up and compares
   * anyway (spiffy, cabinetry) needs none. Read-only.
   */
  stored?(ctx: DialectContext, record: Customer): Promise<Customer | undefined>;

  /**
   * `migrate --workers`: the read cut into parts that other processes can
   * read (`core/read/parts.ts`), for a source whose windows are bounded by
   * values that never change (ids, creation times). Absent: the source
   * cannot be split stably (position paging, a file) and `--workers` refuses it.
   */
  readonly split?: DialectSplit;

  /** The number of customers, when the API tells it cheaply (`profiles test`). */
  count?(ctx: DialectContext): Promise<number | undefined>;

  /**
   * The record as this dialect would store it: mapped to the wire form and
   * read back. `diff` compares projections so that a field the target cannot
   * hold is not reported as a change; `migrate` lists what was dropped.
   */
  project?(record: Customer, ctx: Pick<DialectContext, 'profileName' | 'profile'>): Customer;

  /** The wire payload for a record, shown by dry runs (secrets are masked by the caller). */
  preview?(record: Customer, ctx: Pick<DialectContext, 'profileName' | 'profile'>): unknown;

  /** Adjustments of the HTTP core for this dialect: a rate-limit header to read, a body size cap. */
  readonly http?: Pick<HttpClientOptions, 'onResponse' | 'maxBodyBytes'>;

  /** The sandbox emulator of this dialect (SPEC section 7); remote dialects have one. */
  readonly emulator?: EmulatorFactory;
}

export interface DialectContext {
  /** The profile name, or the endpoint as typed (`csv:out.csv`, `sandbox:spiffy`). */
  readonly profileName: string;
  readonly profile: Profile;
  /** Remote dialects: the HTTP core configured from the profile. */
  readonly http: HttpClient;
  readonly log: Logger;
  /** Requests a dialect may have in flight at once (`--concurrency`, else the profile's, else 4). */
  readonly concurrency: number;
  /** File dialects: options of the file forms. */
  readonly file: FileOptions;
}

export interface FileOptions {
  /** Write CSV cells as they are, without the formula guard. */
  rawCsv: boolean;
  /** Accept CSV columns and JSONL keys that are not canonical. */
  ignoreUnknownColumns: boolean;
  /** Input files: `--encoding` (`utf-8`, `utf-16`, `windows-1252`, `latin1`); unset = UTF-8 or what a byte order mark says. */
  encoding?: 'utf-8' | 'utf-16' | 'windows-1252' | 'latin1';
  /** Input files: `--delimiter`; unset = found in the header line. */
  delimiter?: string;
  /** Output files of the platforms' forms: `--max-bytes`, split into files of at most this size. */
  maxBytes?: number;
  /**
   * Reading: a line whose cells do not validate becomes a record marked
   * invalid (`core/invalid-input.ts`), which `push` and `migrate` reject, instead
   * of ending the read with exit 2. Set for inputs about to be sent.
   */
  rejectInvalid?: boolean;
  /** Writing: replace a file that exists (`--force`). */
  force?: boolean;
  /** Writing: update a file that exists by key, as the write mode says (`push` given `--mode`), instead of refusing it. */
  mergeExisting?: boolean;
  /** For `-`: the stream to read or write instead of a file. */
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
}

export type WriteMode = 'upsert' | 'create' | 'update';

export interface WriteOptions {
  /** upsert: create or update; create: skip (reject) existing; update: reject missing. */
  mode: WriteMode;
  /**
   * `migrate`: the target id the crosswalk has for a record being written
   * (one the target confirmed earlier, whose content changed since). A
   * target that looks records up before writing may update that id without
   * looking (and fall back to looking when it is gone).
   */
  knownId?: (record: Customer) => string | undefined;
}

export type WriteStatus = 'created' | 'updated' | 'unchanged' | 'rejected' | 'failed';

/** One result per written record: a value, not an exception. */
export interface WriteResult {
  status: WriteStatus;
  /** The canonical key of the record that was written. */
  key: string;
  /** The id the target gave it, when known. */
  id?: string;
  /**
   * Why it was rejected or failed: the server's message, or the local check
   * that refused it. On a record that was written, something the user should
   * know about it (e.g. an email it shares with another customer on the
   * target); `migrate --report` lists it with the outcome.
   */
  reason?: string;
  /** The record as it was handed to `write` (for the rejects file). */
  record: Customer;
}

export interface EmulatorFactory {
  /** Starts the emulator on loopback; resolves once it listens. */
  start(options: EmulatorOptions): Promise<EmulatorHandle>;
}
