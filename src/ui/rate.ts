/**
 * Rate and ETA from a recent window, not from the average since the start:
 * a run that slows down (a rate window, a slower page) shows it within a
 * minute. Time without progress counts, so a stall lowers the rate at once.
 * When the run has had to wait (a rate window of five minutes, say), the
 * window grows to one and a half times the longest wait, so the rate covers a
 * whole burst-and-wait cycle: that is the pace the run will keep.
 */
export class RateMeter {
  private samples: Array<{ at: number; done: number }> = [];
  private longestWait = 0;

  constructor(
    private readonly windowMs = 60_000,
    private readonly now: () => number = () => Date.now(),
    private readonly maxWindowMs = 15 * 60_000,
  ) {
    this.samples.push({ at: this.now(), done: 0 });
  }

  /** The count done so far (monotonic). */
  record(done: number): void {
    const at = this.now();
    const last = this.samples[this.samples.length - 1];
    if (done === last.done) return;
    // A sample every quarter second is plenty; the latest count always replaces a too-recent one.
    if (at - last.at < 250 && this.samples.length > 1) last.done = done;
    else this.samples.push({ at, done });
    const horizon = at - this.maxWindowMs;
    let drop = 0;
    while (drop < this.samples.length - 2 && this.samples[drop + 1].at <= horizon) drop += 1;
    if (drop > 0) this.samples.splice(0, drop);
  }

  /** A wait of this length happened (or is under way). */
  noteWait(ms: number): void {
    if (ms > this.longestWait) this.longestWait = ms;
  }

  get done(): number {
    return this.samples[this.samples.length - 1].done;
  }

  /** The window in force: the base window, or longer after long waits. */
  get span(): number {
    return Math.min(this.maxWindowMs, Math.max(this.windowMs, 1.5 * this.longestWait));
  }

  /** Records a second over the window; undefined until a second has passed. */
  rate(): number | undefined {
    const now = this.now();
    const from = now - this.span;
    let base = this.samples[0];
    for (const sample of this.samples) {
      if (sample.at <= from) base = sample;
      else break;
    }
    const seconds = (now - base.at) / 1000;
    if (seconds < 1) return undefined;
    return (this.done - base.done) / seconds;
  }

  /** Milliseconds to do `remaining` more at the recent pace, and at least `waitLeftMs` (a wait under way). */
  eta(remaining: number, waitLeftMs = 0): number | undefined {
    if (remaining <= 0) return 0;
    const rate = this.rate();
    if (rate === undefined || rate <= 0) return undefined;
    return Math.max(waitLeftMs, (remaining / rate) * 1000);
  }
}

/** `4m05s`, `1h02m`, `12s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** `12,345` */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
