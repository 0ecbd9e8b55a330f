/**
 * At most `limit` tasks at once; the others wait their turn, first come
 * first served. The read engine hands one gate to every partition and to
 * the planner, so a read never has more than `--concurrency` requests in
 * flight, whatever it is doing (pages, probes, counts, detail reads).
 */
export interface Gate {
  /** Runs `task` once a place is free; rejects with {@link GateClosed} if the gate closes first. */
  run<T>(task: () => Promise<T>): Promise<T>;
}

/** Thrown to tasks still waiting when a read stops early (`--limit`, an error elsewhere). */
export class GateClosed extends Error {
  constructor() {
    super('the read stopped');
  }
}

export class Semaphore implements Gate {
  private running = 0;
  private readonly waiting: Array<{ go: () => void; stop: (error: Error) => void }> = [];
  private closed = false;

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.enter();
    try {
      return await task();
    } finally {
      this.leave();
    }
  }

  /** Refuses waiting and future tasks; tasks already running finish. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.stop(new GateClosed());
  }

  /** Tasks running now (for tests and benchmarks). */
  get active(): number {
    return this.running;
  }

  private enter(): Promise<void> {
    if (this.closed) return Promise.reject(new GateClosed());
    if (this.running < Math.max(1, this.limit)) {
      this.running += 1;
      return Promise.resolve();
    }
    // The place is handed over by leave(): `running` stays counted, so no newcomer can slip in between.
    return new Promise((go, stop) => this.waiting.push({ go, stop }));
  }

  private leave(): void {
    const next = this.waiting.shift();
    if (next) next.go();
    else this.running -= 1;
  }
}
