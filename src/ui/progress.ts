import type { Dialect, DialectContext } from '../core/dialect.js';
import type { ReadQuery } from '../core/query.js';
import type { RunCounts } from '../core/summary.js';
import { describeHttpEvent, onHttpEvent, type HttpEvent } from '../http/events.js';
import type { Logger } from './logger.js';
import { routeStderrLines } from './logger.js';
import type { LiveArea } from './live.js';
import { formatCount, formatDuration, RateMeter } from './rate.js';
import { palette, useColour, type Palette } from './terminal.js';

/**
 * Progress of a long command (pull, push, search, diff, migrate) on stderr
 * (SPEC section 1). On a terminal, when progress is wanted, a live area
 * drawn with ink: each meter with its count of the total (when the API tells
 * it), the rate and ETA over a recent window, the outcome counts, and the
 * retries and rate-limit waits as they happen. Otherwise (a pipe, cron, `CI`,
 * `--no-progress`, `--quiet`) the plain phase lines the command prints, plus
 * one line a minute while it runs, so a log shows it was alive.
 */
export interface ProgressOptions {
  /** `globals(command).progress`: stderr is a usable terminal and progress is wanted. */
  enabled: boolean;
  log: Logger;
  /** `pull`, `push`, … : the prefix of the plain lines. */
  command: string;
  /** The first line of the live area, e.g. `pull sandbox:spiffy → customers.csv`. */
  title: string;
  /** Plain mode: one line this often (default a minute). */
  heartbeatMs?: number;
  /**
   * Where the live area is drawn: stderr (progress), or stdout for a view
   * (search, diff) whose rows are {@link Progress.print}ed above it; log lines
   * then go to stderr, above it too.
   */
  stream?: NodeJS.WriteStream;
  /** For tests: the clock. */
  now?: () => number;
}

export interface Meter {
  readonly label: string;
  /** Count so far (monotonic). */
  set(done: number): void;
  add(n?: number): void;
  /** How many there will be, when known. */
  total(n: number | undefined): void;
  /** The outcome counts, for writing meters. */
  counts(counts: Readonly<RunCounts>): void;
  /** This part is over: no ETA any more. */
  finish(): void;
  readonly done: number;
}

interface MeterState {
  label: string;
  done: number;
  total?: number;
  counts?: Readonly<RunCounts>;
  rate: RateMeter;
  finished: boolean;
}

export interface ProgressState {
  title: string;
  startedAt: number;
  meters: MeterState[];
  retries: number;
  lastEvent?: { text: string; at: number; until: number; kind: HttpEvent['kind'] };
  /** Rate-window waits so far, summed. */
  waitedMs: number;
}

export class Progress {
  readonly state: ProgressState;
  private readonly now: () => number;
  private live?: LiveArea;
  private heartbeat?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private stopped?: Promise<void>;
  private pending: string[] = [];
  private flushTimer?: NodeJS.Timeout;

  private constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? (() => Date.now());
    this.state = { title: options.title, startedAt: this.now(), meters: [], retries: 0, waitedMs: 0 };
  }

  /** Starts the display (ink is loaded only when it will be drawn). */
  static async start(options: ProgressOptions): Promise<Progress> {
    const progress = new Progress(options);
    progress.unsubscribe = onHttpEvent((event) => progress.onHttp(event));
    if (options.enabled) {
      const { openLive } = await import('./live.js');
      const stream = options.stream ?? process.stderr;
      const colours = palette(useColour(stream));
      const live = openLive({ stream, frame: () => progressFrame(progress.state, progress.now(), colours) });
      progress.live = live;
      routeStderrLines((text) => {
        // Rows printed before a log line come before it.
        progress.flush();
        if (stream === process.stderr) live.out(text);
        else live.err(text);
      });
    } else {
      progress.heartbeat = setInterval(() => options.log.info(heartbeatLine(options.command, progress.state, progress.now())), options.heartbeatMs ?? 60_000);
      progress.heartbeat.unref();
    }
    return progress;
  }

  /** True while a live area is drawn. */
  get isLive(): boolean {
    return this.live !== undefined && this.stopped === undefined;
  }

  meter(label: string, total?: number): Meter {
    const state: MeterState = { label, done: 0, total, rate: new RateMeter(60_000, this.now), finished: false };
    this.state.meters.push(state);
    return {
      label,
      set: (done) => {
        state.done = done;
        state.rate.record(done);
      },
      add: (n = 1) => {
        state.done += n;
        state.rate.record(state.done);
      },
      total: (n) => {
        state.total = n;
      },
      counts: (counts) => {
        state.counts = counts;
      },
      finish: () => {
        state.finished = true;
      },
      get done() {
        return state.done;
      },
    };
  }

  /**
   * Permanent text on the display's stream, above the live area (a view's
   * rows); straight to that stream when there is none. Rows are gathered for a
   * few milliseconds and written at once, so the live area is redrawn once per
   * batch rather than once per row.
   */
  print(text: string): void {
    if (!this.live || this.stopped) {
      (this.options.stream ?? process.stderr).write(text);
      return;
    }
    this.pending.push(text);
    this.flushTimer ??= setTimeout(() => this.flush(), 25);
  }

  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    if (this.live) this.live.out(text);
    else (this.options.stream ?? process.stderr).write(text);
  }

  /** A phase line: printed in plain mode, and above the live area otherwise. */
  phase(line: string): void {
    this.options.log.info(line);
  }

  /** Ends the display and the heartbeat; the live area is erased, so the summary the command prints next is the last word. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.unsubscribe?.();
      this.flush();
      if (this.live) {
        await this.live.close();
        routeStderrLines(undefined);
      }
    })();
    return this.stopped;
  }

  private onHttp(event: HttpEvent): void {
    const now = this.now();
    if (event.kind === 'retry') this.state.retries += 1;
    if (event.kind === 'wait') {
      this.state.waitedMs += event.waitMs;
      for (const meter of this.state.meters) meter.rate.noteWait(event.waitMs);
    }
    // A retry's own line gives way to the wait it causes; a wait stays up until it is over.
    const current = this.state.lastEvent;
    if (event.kind === 'retry' && current?.kind === 'wait' && current.until > now) return;
    this.state.lastEvent = { text: describeHttpEvent(event), at: now, until: now + event.waitMs, kind: event.kind };
  }
}

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function bar(done: number, total: number, width = 20): string {
  const share = total > 0 ? Math.min(1, done / total) : 0;
  const full = Math.round(share * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)} ${String(Math.floor(share * 100)).padStart(3)}%`;
}

function waitLeft(state: ProgressState, now: number): number {
  const event = state.lastEvent;
  return event && event.kind === 'wait' && event.until > now ? event.until - now : 0;
}

/** One meter as text: `read  1,200/10,000 ███░░ 12% · 340/s · ETA 4m12s`. */
export function meterText(meter: MeterState, state: ProgressState, now: number): string {
  const rate = meter.rate.rate();
  const parts = [`${meter.label} ${formatCount(meter.done)}${meter.total !== undefined ? `/${formatCount(meter.total)}` : ''}`];
  if (meter.total !== undefined && meter.total > 0) parts[0] += ` ${bar(meter.done, meter.total)}`;
  if (rate !== undefined) parts.push(`${rate >= 10 ? Math.round(rate) : rate.toFixed(1)}/s`);
  if (meter.total !== undefined && !meter.finished && meter.done < meter.total) {
    const eta = meter.rate.eta(meter.total - meter.done, waitLeft(state, now));
    parts.push(`ETA ${eta === undefined ? '–' : formatDuration(eta)}`);
  }
  return parts.join(' · ');
}

export function countsText(counts: Readonly<RunCounts>): string {
  return `created ${formatCount(counts.created)} · updated ${formatCount(counts.updated)} · unchanged ${formatCount(counts.unchanged)} · rejected ${formatCount(counts.rejected)} · failed ${formatCount(counts.failed)}`;
}

/** The live area, one string a line (pure, for tests). */
export function progressFrame(state: ProgressState, now: number, paint: Palette): string[] {
  const elapsed = now - state.startedAt;
  const lines = [`${paint.cyan(spinner[Math.floor(elapsed / 100) % spinner.length])} ${paint.bold(state.title)} ${paint.dim(formatDuration(elapsed))}`];
  for (const meter of state.meters) {
    lines.push(`  ${meterText(meter, state, now)}`);
    if (meter.counts) {
      const c = meter.counts;
      const text = countsText(c);
      lines.push(`    ${c.rejected + c.failed > 0 ? paint.yellow(text) : paint.dim(text)}`);
    }
  }
  const event = state.lastEvent;
  if (event && (event.until > now || now - event.at < 5000)) {
    const left = event.until > now ? ` (${formatDuration(event.until - now)} left)` : '';
    lines.push(`  ${paint.yellow(`${event.text}${event.kind === 'wait' ? left : ''}`)}`);
  }
  if (state.retries > 0) lines.push(`  ${paint.dim(`${state.retries} ${state.retries === 1 ? 'retry' : 'retries'} so far`)}`);
  return lines;
}

/** Plain mode, once a minute: `pull: 12,345/100,000 read · 340/s · 4m12s so far`. */
export function heartbeatLine(command: string, state: ProgressState, now: number): string {
  const meters = state.meters.map((meter) => meterText(meter, state, now)).join('; ');
  const wait = waitLeft(state, now) > 0 && state.lastEvent ? ` · ${state.lastEvent.text}` : '';
  return `${command}: still running after ${formatDuration(now - state.startedAt)}${meters ? `: ${meters}` : ''}${wait}`;
}

/**
 * How many records a read will yield, when the API tells it cheaply (a count
 * endpoint, a `total`): asked only when a live display will show it, and only
 * for an unfiltered read, since the count is of every customer.
 */
export async function totalOf(live: boolean, source: { dialect: Dialect; ctx: DialectContext }, query: ReadQuery): Promise<number | undefined> {
  if (!live || !source.dialect.count || query.where.length > 0 || query.since !== undefined) return query.limit;
  const count = await source.dialect.count(source.ctx).catch(() => undefined);
  return count === undefined ? query.limit : query.limit === undefined ? count : Math.min(count, query.limit);
}
