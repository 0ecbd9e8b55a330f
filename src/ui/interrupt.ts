/**
 * Ctrl-C (or a SIGTERM) while a command runs: the first one stops the command
 * cleanly through `stop` (close the display, print the summary so far and the
 * command that resumes), the second ends the process at once. Exit status 130,
 * as shells report an interrupted command.
 */
export const interruptedExitCode = 130;

const signals = ['SIGINT', 'SIGTERM'] as const;

export function onInterrupt(stop: (signal: NodeJS.Signals) => Promise<void> | void): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(interruptedExitCode);
    stopping = true;
    process.exitCode = interruptedExitCode;
    void Promise.resolve(stop(signal)).catch(() => undefined);
  };
  // Other listeners are set aside while ours is on: a dependency's exit hook (when-exit, under conf)
  // sends the signal again to kill the process, which would cut the clean stop short (and read as a
  // second Ctrl-C). Its cleanup still runs: it also listens to the process's 'exit'.
  const others = signals.map((signal) => [signal, process.rawListeners(signal)] as const);
  for (const [signal, listeners] of others) for (const listener of listeners) process.removeListener(signal, listener as (...args: unknown[]) => void);
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
    for (const [signal, listeners] of others) for (const listener of listeners) process.on(signal, listener as (...args: unknown[]) => void);
  };
}

/**
 * For commands that cannot stop half-way on their own (pull, push, search,
 * diff): after `before` has closed the display and printed the summary so
 * far, the JSON summary line (if asked for) is printed and the process ends.
 */
export function interruptNow(command: string, before: () => Promise<void> | void): () => void {
  return onInterrupt(async () => {
    try {
      await before();
    } finally {
      const { flushSummary } = await import('./summary.js');
      flushSummary({ command, exitCode: interruptedExitCode, error: 'interrupted' });
      process.exit(interruptedExitCode);
    }
  });
}
