import { Command, InvalidArgumentError } from 'commander';
import { once } from 'node:events';
import { UserError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import { lookupDialect } from '../dialects/endpoint.js';
import { dialects } from '../dialects/registry.js';
import { globals, nonNegativeInt } from './shared.js';

/** A TCP port: 0 (any free one) to 65535. */
function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--port must be a whole number from 0 to 65535, not "${value}"`);
  return n;
}

function rate(value: string): number {
  const n = Number(value);
  if (Number.isNaN(n) || n < 0 || n > 1) throw new InvalidArgumentError(`--fail-rate must be between 0 and 1, not "${value}"`);
  return n;
}

/** `custsync sandbox`: serve a dialect's emulator on loopback until interrupted. */
export function sandboxCommand(): Command {
  const remote = Object.values(dialects).filter((d) => d.emulator).map((d) => d.id);
  return new Command('sandbox')
    .description('serve an emulator of a platform API on loopback, seeded with generated customers')
    .requiredOption('--dialect <id>', `one of ${remote.join(', ') || '(none yet)'}`)
    .option('--port <n>', 'port to listen on, 0 to 65535 (0 = any free port)', port, 0)
    .option('--customers <n>', 'generated customers to start with', nonNegativeInt('--customers'), 50)
    .option('--seed <n>', 'generator seed: same seed, same customers', nonNegativeInt('--seed'), 1)
    .option('--latency-ms <n>', 'delay added to every answer', nonNegativeInt('--latency-ms'), 0)
    .option('--fail-rate <r>', 'share of requests answered 429 or 503 (0..1)', rate, 0)
    .option('--retry-after <s>', 'Retry-After seconds of injected 429s', nonNegativeInt('--retry-after'), 1)
    .option('--clock-offset <span>', "run the emulator's clock off from this machine's, e.g. -1h: the times it stamps and its Date headers")
    .addHelpText(
      'after',
      `
Prints a profile for the emulator on stdout; point --profiles at it, or use
sandbox:ID as SRC/DST to start one in-process instead. It serves until Ctrl-C.

Examples:
  custsync sandbox --dialect spiffy --customers 500
  custsync sandbox --dialect propeller --latency-ms 20 --fail-rate 0.1
  custsync sandbox --dialect spiffy --clock-offset -1h`,
    )
    .action(async (flags, command: Command) => {
      const g = globals(command);
      const dialect = lookupDialect(flags.dialect, '--dialect');
      if (!dialect.emulator) throw new UserError(`dialect ${dialect.id} has no emulator`, `emulators: ${remote.join(', ')}`);
      const clockOffsetMs = flags.clockOffset === undefined ? undefined : parseDuration(flags.clockOffset, '--clock-offset', { signed: true });
      const handle = await dialect.emulator
        .start({
          port: flags.port,
          customers: flags.customers,
          seed: flags.seed,
          latencyMs: flags.latencyMs,
          failRate: flags.failRate,
          retryAfterSeconds: flags.retryAfter,
          clockOffsetMs,
          log: g.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
        })
        .catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'EADDRINUSE') throw new UserError(`--port ${flags.port} is already in use`, 'pick another port, or --port 0 for any free one');
          if (error.code === 'EACCES') throw new UserError(`--port ${flags.port} needs privileges this user does not have`, 'pick a port above 1023, or --port 0 for any free one');
          throw error;
        });
      // Listening for Ctrl-C before the profile says it is ready: a script that stops it as soon as it has the profile must not kill it.
      const stopped = Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
      // Named by dialect and port, so that the profiles of two sandboxes can be merged into one file.
      const port = new URL(handle.url).port;
      process.stdout.write(`${JSON.stringify({ profiles: { [`sandbox-${dialect.id}-${port}`]: handle.profile } }, null, 2)}\n`);
      g.log.info(`sandbox: ${dialect.id} emulator on ${handle.url} with ${flags.customers} customers (Ctrl-C to stop)`);
      await stopped;
      await handle.close();
      g.log.info('sandbox: stopped');
    });
}
