import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import type { MigrateProgress, ProgressEvent } from '../core/migrate/pipeline.js';
import type { Logger } from './logger.js';

/**
 * Progress of a migration on stderr: a listr2 task list (read, map, write,
 * with counts, rate and ETA) when stderr is a TTY and progress is wanted,
 * else one plain log line per phase (cron, CI, --no-progress, --quiet).
 */
export interface ProgressView {
  update(progress: Readonly<MigrateProgress>, event: ProgressEvent): void;
  /** Ends the display; resolves when the last frame is drawn. */
  stop(): Promise<void>;
}

export interface ProgressViewOptions {
  /** `globals(command).progress`: a TTY and no --no-progress/--quiet/CI. */
  enabled: boolean;
  log: Logger;
  source: string;
  target: string;
  dryRun: boolean;
}

export function createProgressView(options: ProgressViewOptions): ProgressView {
  return options.enabled ? listrView(options) : plainView(options);
}

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function plainView(options: ProgressViewOptions): ProgressView {
  const started = Date.now();
  const verb = options.dryRun ? 'matching against' : 'writing to';
  return {
    update(progress, event) {
      if (event === 'start') {
        options.log.info(`migrate: reading ${options.source}${progress.total !== undefined ? ` (${progress.total} records)` : ''}, mapping, ${verb} ${options.target}`);
      } else if (event === 'read-done') {
        options.log.info(`migrate: read ${progress.read} records in ${seconds(Date.now() - started)}`);
      } else if (event === 'write-done') {
        const done = progress.counts.created + progress.counts.updated + progress.counts.unchanged;
        options.log.info(`migrate: ${options.dryRun ? 'planned' : 'confirmed'} ${done} records in ${seconds(Date.now() - started)}`);
      }
    },
    stop: async () => undefined,
  };
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function listrView(options: ProgressViewOptions): ProgressView {
  const started = Date.now();
  let latest: MigrateProgress | undefined;
  const phases = { read: deferred(), map: deferred(), write: deferred() };
  const rate = (n: number) => {
    const elapsed = (Date.now() - started) / 1000;
    return elapsed > 0 ? n / elapsed : 0;
  };
  const eta = (done: number) => {
    const total = latest?.total;
    const r = rate(done);
    if (total === undefined || r <= 0 || done >= total) return '';
    return ` · ETA ${seconds(((total - done) / r) * 1000)}`;
  };
  const of = () => (latest?.total !== undefined ? `/${latest.total}` : '');
  const answered = () => {
    const c = latest?.counts;
    return c ? c.created + c.updated + c.unchanged + c.rejected + c.failed : 0;
  };
  const titles = {
    read: () => `read ${options.source}: ${latest?.read ?? 0}${of()} · ${Math.round(rate(latest?.read ?? 0))}/s${eta(latest?.read ?? 0)}`,
    map: () => `map: ${latest?.read ?? 0} records`,
    write: () => {
      const c = latest?.counts;
      const detail = c ? ` (created ${c.created} · updated ${c.updated} · unchanged ${c.unchanged} · rejected ${c.rejected} · failed ${c.failed})` : '';
      return `${options.dryRun ? 'match' : 'write'} ${options.target}: ${answered()}${of()} · ${Math.round(rate(answered()))}/s${eta(answered())}${detail}`;
    },
  };
  const task = (name: keyof typeof phases) => ({
    title: titles[name](),
    task: async (_ctx: unknown, wrapper: { title: string }) => {
      const timer = setInterval(() => (wrapper.title = titles[name]()), 200);
      try {
        await phases[name].promise;
      } finally {
        clearInterval(timer);
        wrapper.title = titles[name]();
      }
    },
  });
  const list = new Listr([task('read'), task('map'), task('write')], {
    concurrent: true,
    exitOnError: false,
    registerSignalListeners: false,
    // Both streams of the display go to stderr: stdout may be carrying data (--to -).
    rendererOptions: { logger: new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) }) },
  });
  const running = list.run().catch(() => undefined);
  return {
    update(progress, event) {
      latest = progress;
      if (event === 'read-done') {
        phases.read.resolve();
        phases.map.resolve();
      }
      if (event === 'write-done') Object.values(phases).forEach((p) => p.resolve());
    },
    async stop() {
      Object.values(phases).forEach((p) => p.resolve());
      await running;
    },
  };
}
