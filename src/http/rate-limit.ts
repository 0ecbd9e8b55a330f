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
