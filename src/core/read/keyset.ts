import { ProtocolError } from '../errors.js';
import type { Partition } from './engine.js';
import type { Gate } from './gate.js';

/**
 * Keyset paging over one window of keys: each request asks for the items
 * whose key is above the last key received (`since_id`, `filter[id][gt]`),
 * so a create or delete anywhere cannot shift what the next page holds. A
 * window `(after, upTo]` is a range of keys, and keys never change, so
 * windows are disjoint whatever happens on the server: each customer that
 * exists for the whole read is in exactly one window and is read exactly
 * once.
 *
 * What the engine checks rather than trusts:
 * - every page is in strictly ascending key order, above the key asked
 *   for; a page that is not stops the read (exit 3) instead of losing
 *   customers silently;
 * - when answers carry the number of items left in the window, the next
 *   page's number must be this one's minus what this page held; when it is
 *   lower, the range this page covered is read again in one request and
 *   merged, so a server that skipped something cannot make a loss.
 */
export interface KeysetAnswer<T> {
  items: T[];
  /** This answer holds everything in the window above `after` (a short page, or a total that fits in it). */
  complete: boolean;
  /** Items in the window above `after` when the server answered, when the API says (`total_count`). */
  total?: number;
}

export interface KeysetSource<T> {
  /** Names the request in messages, e.g. `GET api/customers.json (since_id)`. */
  readonly name: string;
  /** The largest page the source answers. */
  readonly pageSize: number;
  /**
   * One page of the items with a key above `after` (and at most `upTo`,
   * when the API can filter on it; the engine trims anything above), lowest
   * keys first.
   */
  fetch(after: number, upTo: number | undefined): Promise<KeysetAnswer<T>>;
  keyOf(item: T): number;
}

export interface FirstAnswer {
  /** The window held everything in its first answer (or the read stopped first). */
  complete: boolean;
  /** Items the first answer held. */
  count: number;
  total?: number;
}

export interface KeysetWindowOptions {
  label: string;
  /** Exclusive lower bound (a key, or a promise of one, e.g. a probe). */
  after: number | Promise<number>;
  /** Inclusive upper bound; undefined: open (the last window, or the first before the plan is known). */
  upTo?: number | Promise<number | undefined>;
  /** Stop after this many items (`--limit` when the server applies the whole query). */
  want?: number;
}

export class KeysetWindow<T> implements Partition<T[]> {
  readonly label: string;
  /** Settles after the first answer, so that a planner can skip planning for a base that fits one page. */
  readonly firstAnswer: Promise<FirstAnswer>;
  private settleFirst!: (first: FirstAnswer) => void;
  private upper: number | undefined;
  private upperPending: Promise<number | undefined> | undefined;
  /** The highest key handed on (or about to be): a bound set later never goes below it. */
  private passed: number | undefined;

  constructor(
    private readonly source: KeysetSource<T>,
    private readonly options: KeysetWindowOptions,
  ) {
    this.label = options.label;
    this.firstAnswer = new Promise((resolve) => (this.settleFirst = resolve));
    if (typeof options.upTo === 'number') this.upper = options.upTo;
    else if (options.upTo) this.upperPending = options.upTo;
  }

  /**
   * Closes an open window at `bound` (inclusive) and returns the bound in
   * force: never below a key this window already handed on, so the next
   * window, which starts above it, cannot repeat anything.
   */
  limitTo(bound: number | undefined): number | undefined {
    if (bound === undefined) return undefined;
    this.upper = this.passed !== undefined && this.passed > bound ? this.passed : bound;
    return this.upper;
  }

  async *pages(gate: Gate): AsyncGenerator<T[]> {
    let first = true;
    try {
      let cursor = await this.options.after;
      if (this.upperPending) this.upper = await this.upperPending;
      this.passed = cursor;
      let handed = 0;
      const want = this.options.want;
      // A page held back until the next answer's total confirms it (APIs that give totals).
      let held: { after: number; items: T[]; total: number; upTo: number | undefined } | undefined;

      for (;;) {
        if (this.upper !== undefined && cursor >= this.upper) {
          // Closed at what was already read (a bound set while this window ran ahead).
          if (held) yield held.items;
          return;
        }
        const askedUpTo = this.upper;
        const askedAfter = cursor;
        const answer = await gate.run(() => this.source.fetch(askedAfter, askedUpTo));
        this.checkOrder(answer.items, askedAfter);
        if (first) {
          first = false;
          this.settleFirst({ complete: answer.complete, count: answer.items.length, total: answer.total });
        }
        // The bound may have been set while the request was out.
        const upper = this.upper;
        let items = answer.items;
        let trimmed = false;
        if (upper !== undefined && items.length > 0 && this.key(items[items.length - 1]) > upper) {
          items = items.filter((item) => this.key(item) <= upper);
          trimmed = true;
        }

        if (held) {
          const expected = held.total - held.items.length;
          const comparable = answer.total !== undefined && held.upTo === askedUpTo;
          const release = comparable && answer.total! < expected ? await this.reread(gate, held) : held.items;
          held = undefined;
          handed += release.length;
          yield release;
          if (want !== undefined && handed >= want) return;
        }

        const last = items.length > 0 ? this.key(items[items.length - 1]) : undefined;
        const ends = answer.complete || answer.items.length === 0 || trimmed || (upper !== undefined && last !== undefined && last >= upper);
        if (last !== undefined) {
          this.passed = last;
          cursor = last;
          // With --limit in reach there is no next page to confirm this one with.
          const enough = want !== undefined && handed + items.length >= want;
          if (!ends && !enough && answer.total !== undefined) {
            held = { after: askedAfter, items, total: answer.total, upTo: askedUpTo };
          } else {
            handed += items.length;
            yield items;
            if (enough) return;
          }
        }
        if (ends) return;
      }
    } finally {
      if (first) this.settleFirst({ complete: true, count: 0 });
    }
  }

  /**
   * The next answer says fewer items are left than this page implied: the
   * range it covered is read again (keyset pages with their totals, a page
   * or two), and both answers are merged in key order without repeats.
   */
  private async reread(gate: Gate, held: { after: number; items: T[] }): Promise<T[]> {
    const upTo = this.key(held.items[held.items.length - 1]);
    const merged = new Map<number, T>();
    for (const item of held.items) merged.set(this.key(item), item);
    let cursor = held.after;
    for (let pages = 0; ; pages += 1) {
      if (pages >= 10) {
        throw new ProtocolError(`${this.source.name} kept skipping customers between ids ${held.after} and ${upTo}: the server does not page in id order`, {
          hint: 'custsync cannot read this source without risking a loss; report it with --verbose output',
        });
      }
      const from = cursor;
      const again = await gate.run(() => this.source.fetch(from, upTo));
      this.checkOrder(again.items, from);
      for (const item of again.items) if (this.key(item) <= upTo) merged.set(this.key(item), item);
      if (again.complete || again.items.length === 0) break;
      cursor = this.key(again.items[again.items.length - 1]);
    }
    return [...merged.entries()].sort((a, b) => a[0] - b[0]).map(([, item]) => item);
  }

  private key(item: T): number {
    return this.source.keyOf(item);
  }

  private checkOrder(items: T[], after: number): void {
    let previous = after;
    for (const item of items) {
      const key = this.key(item);
      if (!(key > previous)) {
        throw new ProtocolError(
          `${this.source.name} answered id ${key} after ${previous}: the page is not in ascending id order above ${after}`,
          { hint: 'custsync pages by id and cannot read this source without risking a loss; report it with --verbose output' },
        );
      }
      previous = key;
    }
  }
}
