import { afterEach, describe, expect, it, vi } from 'vitest';
import { emitHttpEvent } from '../../src/http/events.js';
import type { Logger } from '../../src/ui/logger.js';
import { heartbeatLine, Progress, progressFrame } from '../../src/ui/progress.js';
import { RateMeter } from '../../src/ui/rate.js';
import { palette } from '../../src/ui/terminal.js';

describe('RateMeter: rate and ETA over a recent window', () => {
  it('follows a slowdown within the window instead of averaging since the start', () => {
    let now = 0;
    const meter = new RateMeter(60_000, () => now);
    // 10 minutes at 100/s, then 2 minutes at 10/s.
    for (let s = 1; s <= 600; s += 1) {
      now = s * 1000;
      meter.record(s * 100);
    }
    for (let s = 1; s <= 120; s += 1) {
      now = 600_000 + s * 1000;
      meter.record(60_000 + s * 10);
    }
    expect(meter.rate()).toBeCloseTo(10, 5);
    // The average since the start would say 85/s; 1,000 more at 10/s is 100 s.
    expect(meter.eta(1000)).toBeCloseTo(100_000, -2);
  });

  it('a stall lowers the rate: time without progress counts', () => {
    let now = 0;
    const meter = new RateMeter(60_000, () => now);
    for (let s = 1; s <= 30; s += 1) {
      now = s * 1000;
      meter.record(s * 50);
    }
    const before = meter.rate()!;
    now += 30_000;
    expect(meter.rate()!).toBeLessThan(before / 1.5);
  });

  it('under a rate window (a burst, then a long wait) the window covers a whole cycle, so the ETA is the real pace', () => {
    let now = 0;
    const meter = new RateMeter(60_000, () => now);
    // spiffy-like: 500 records in 10 s, then a 290 s wait, twice.
    let done = 0;
    for (let cycle = 0; cycle < 2; cycle += 1) {
      for (let s = 1; s <= 10; s += 1) {
        now += 1000;
        done += 50;
        meter.record(done);
      }
      meter.noteWait(290_000);
      now += 290_000;
    }
    // 1,000 records in 600 s: 1.67/s (the bursts alone say 50/s); 10,000 more take hours, not the 200 s the bursts suggest.
    expect(meter.rate()!).toBeGreaterThan(0.5);
    expect(meter.rate()!).toBeLessThan(3);
    expect(meter.eta(10_000)!).toBeGreaterThan(60 * 60_000);
  });

  it('no rate in the first second, and an ETA of at least a wait under way', () => {
    let now = 0;
    const meter = new RateMeter(60_000, () => now);
    now = 500;
    meter.record(10);
    expect(meter.rate()).toBeUndefined();
    expect(meter.eta(100)).toBeUndefined();
    now = 10_000;
    meter.record(1000);
    expect(meter.eta(10, 42_000)).toBe(42_000);
    expect(meter.eta(0)).toBe(0);
  });
});

const lines: string[] = [];
const log: Logger = { info: (l) => lines.push(l), warn: (l) => lines.push(`warning: ${l}`), error: (l) => lines.push(`error: ${l}`), verbose: () => undefined, summary: (l) => lines.push(l), isVerbose: false };
afterEach(() => {
  lines.length = 0;
  vi.useRealTimers();
});

describe('Progress without a terminal', () => {
  it('prints the phase lines and one line a minute while it runs, then stops', async () => {
    vi.useFakeTimers();
    let now = 0;
    const progress = await Progress.start({ enabled: false, log, command: 'pull', title: 'pull shop', now: () => now });
    const meter = progress.meter('read', 10_000);
    progress.phase('pull: reading from shop (spiffy)');
    now = 30_000;
    meter.set(3_000);
    vi.advanceTimersByTime(59_000);
    expect(lines).toEqual(['pull: reading from shop (spiffy)']);
    now = 60_000;
    meter.set(6_000);
    vi.advanceTimersByTime(1_000);
    expect(lines[1]).toMatch(/^pull: still running after 1m00s: read 6,000\/10,000 .* 60%/);
    now = 120_000;
    meter.set(9_000);
    vi.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(3);
    await progress.stop();
    vi.advanceTimersByTime(600_000);
    expect(lines).toHaveLength(3);
  });

  it('mentions a rate-window wait under way in the minute line', async () => {
    vi.useFakeTimers();
    let now = 0;
    const progress = await Progress.start({ enabled: false, log, command: 'migrate', title: 'migrate', now: () => now });
    progress.meter('read', 1000).set(100);
    now = 50_000;
    emitHttpEvent({ kind: 'wait', profile: 'spiffy', cause: 'rate-window', waitMs: 42_000 });
    now = 60_000;
    vi.advanceTimersByTime(60_000);
    expect(lines.at(-1)).toContain("waiting 42 s for spiffy's rate window");
    await progress.stop();
  });
});

describe('the live frame', () => {
  it('shows each meter of its total with rate and ETA, the counts, and waits and retries as they happen', async () => {
    let now = 0;
    const progress = await Progress.start({ enabled: false, log, command: 'migrate', title: 'migrate a → b', now: () => now });
    const read = progress.meter('read a', 1000);
    const write = progress.meter('write b', 1000);
    now = 10_000;
    read.set(400);
    write.set(300);
    write.counts({ read: 400, created: 250, updated: 40, unchanged: 5, rejected: 5, failed: 0 });
    emitHttpEvent({ kind: 'retry', profile: 'b', label: 'POST http://b/customers', attempt: 1, retries: 5, cause: '503', waitMs: 300 });
    emitHttpEvent({ kind: 'wait', profile: 'b', cause: 'rate-window', waitMs: 42_000 });
    now = 11_000;
    const frame = progressFrame(progress.state, now, palette(false));
    expect(frame[0]).toMatch(/^. migrate a → b 11s$/);
    expect(frame[1]).toMatch(/^ {2}read a 400\/1,000 █{8}░{12} {2}40% · \d+(\.\d)?\/s · ETA /);
    expect(frame[2]).toMatch(/^ {2}write b 300\/1,000 .* 30% · .*ETA \d+s$/);
    // The wait under way sets a floor under the ETA.
    expect(frame[2]).toMatch(/ETA (4[1-9]|[5-9]\d)s$/);
    expect(frame[3]).toBe('    created 250 · updated 40 · unchanged 5 · rejected 5 · failed 0');
    expect(frame[4]).toBe("  waiting 42 s for b's rate window (41s left)");
    expect(frame[5]).toBe('  1 retry so far');
    // Once the wait is over and a few seconds passed, its line goes.
    now = 60_000;
    expect(progressFrame(progress.state, now, palette(false)).join('\n')).not.toContain('waiting');
    await progress.stop();
  });

  it('heartbeat and frame say the same counts', () => {
    const state = { title: 't', startedAt: 0, meters: [], retries: 0, waitedMs: 0 };
    expect(heartbeatLine('pull', state, 90_000)).toBe('pull: still running after 1m30s');
  });
});
