/**
 * Ctrl-C (or a SIGTERM) while a command runs: the first one stops the command
 * cleanly through `stop` (close the display, print the summary so far and the
 * command that resumes), the second ends the process at once. Exit status 130,
 * as shells report an interrupted command.
 */
export const interruptedExitCode = 130;

export function onInterrupt(stop: (signal: NodeJS.Signals) => Promise<void> | void): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(interruptedExitCode);
    stopping = true;
    process.exitCode = interruptedExitCode;
    void Promise.resolve(stop(signal)).catch(() => undefined);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
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
