/**
 * A token bucket per profile: `perSecond` tokens flow in, at most `burst` are
 * kept. Every request takes one. {@link pauseUntil} lets a `429 Retry-After`
 * or a server's own rate-limit header hold back every caller sharing the
 * bucket, not only the one that was refused.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private pausedUntil = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number = Math.max(1, Math.ceil(perSecond)),
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Waits until a token is free, then takes it. Callers are served in order. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.waitForToken());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** No request leaves before `epochMs` (wall-clock milliseconds). */
  pauseUntil(epochMs: number): void {
    const at = this.now() + Math.max(0, epochMs - Date.now());
    if (at > this.pausedUntil) this.pausedUntil = at;
  }

  /** Milliseconds until a pause set by {@link pauseUntil} ends (0 when none). */
  pauseLeft(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }

  /** Removes tokens so that the next requests are spaced out, e.g. when the server says few calls are left. */
  drain(): void {
    this.refill();
    this.tokens = Math.min(this.tokens, 0);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }

  private async waitForToken(): Promise<void> {
    for (;;) {
      const pause = this.pausedUntil - this.now();
      if (pause > 0) {
        await sleep(pause);
        continue;
      }
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(((1 - this.tokens) / this.perSecond) * 1000);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * A server's own quota: `limit` calls per window, with the calls left and
 * the window's end reported in every answer (Spiffy's `X-Ratelimit`). A call
 * goes out only while the window surely has room for it, so the quota is
 * used to its end without a `429`, whatever the concurrency:
 * - the room is what the freshest answer says is left, less every call
 *   still in flight (those may not be counted yet), less every call sent
 *   since; an older answer that arrives late never raises it;
 * - with no room left, calls wait for the window's end, then the next
 *   window's room is the whole limit less the calls in flight;
 * - before the first answer, one call at a time (the quota may be nearly
 *   used up by another client).
 */
export interface QuotaInfo {
  limit: number;
  remaining: number;
  /** When the window ends (epoch ms), if the server says. */
  until?: number;
  /** The window's length in ms, if the server says (used when it gives no end). */
  periodMs?: number;
}

export class QuotaWindow {
  private room: number | undefined;
  private until = 0;
  private limit: number | undefined;
  private inflight = 0;
  private waiting: Array<() => void> = [];

  /** @param marginMs waited after the window's end before the next window is counted on (clocks differ). */
  constructor(
    private readonly marginMs = 250,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /**
   * Waits until a call fits the quota and counts it as in flight; pair with {@link release}.
   * `onWait` hears once of a wait for the window's end that is long enough for a person to notice.
   */
  async acquire(onWait?: (ms: number) => void): Promise<void> {
    let told = false;
    for (;;) {
      if (this.room === undefined) {
        if (this.inflight === 0) break;
        await this.changed();
        continue;
      }
      if (this.now() >= this.until + this.marginMs && this.limit !== undefined) {
        // A new window: its end is learnt from its first answer.
        this.room = this.limit - this.inflight;
        this.until = Number.POSITIVE_INFINITY;
      }
      if (this.room > 0) {
        this.room -= 1;
        break;
      }
      const wait = this.until + this.marginMs - this.now();
      if (!told && Number.isFinite(wait) && wait >= 1000) {
        told = true;
        onWait?.(wait);
      }
      await Promise.race([this.changed(), sleep(Number.isFinite(wait) ? wait : 1000)]);
    }
    this.inflight += 1;
  }

  /** The call's answer arrived (or it failed). */
  release(): void {
    this.inflight = Math.max(0, this.inflight - 1);
    this.notify();
  }

  /** What an answer said; call it before {@link release} of that call. */
  observe(info: QuotaInfo): void {
    const others = Math.max(0, this.inflight - 1);
    const room = info.remaining - others;
    const until = info.until ?? (info.periodMs !== undefined ? this.now() + info.periodMs : this.until);
    this.limit = info.limit;
    // An answer from a window that has already ended says nothing about the next one.
    if (until + this.marginMs <= this.now()) return this.notify();
    if (this.room === undefined || until > this.until + 1000 || !Number.isFinite(this.until)) {
      this.room = room;
      this.until = until;
    } else if (until >= this.until - 1000) {
      this.room = Math.min(this.room, room);
    }
    this.notify();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private notify(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}
