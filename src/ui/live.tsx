import { PassThrough } from 'node:stream';
import { useEffect, useState } from 'react';
import { Box, render, Text, useStderr, useStdout } from 'ink';

/**
 * The one live area of a command, drawn by ink on a terminal: a few lines
 * (progress, a view's footer) redrawn in place, with permanent text written
 * above them without tearing them (ink clears the area, writes, and draws it
 * again). Rows of data and log lines are written, not kept in React state, so
 * memory stays flat however many rows pass (ink's <Static> would keep them all).
 */
export interface LiveArea {
  /** Permanent text on the display's own stream, above the live lines. */
  out(text: string): void;
  /** Permanent text on stderr, above the live lines (when the display is on stdout). */
  err(text: string): void;
  /** Draw the live lines again now (they are also redrawn every `tickMs`). */
  refresh(): void;
  /** Ends the display: the last frame stays (`keep`) or is erased. Idempotent. */
  close(options?: { keep?: boolean }): Promise<void>;
}

export interface LiveOptions {
  stream: NodeJS.WriteStream;
  /** The live lines, built fresh for every frame; a line wider than the terminal is cut, never wrapped. */
  frame: () => string[];
  tickMs?: number;
}

interface Bridge {
  out?: (text: string) => void;
  err?: (text: string) => void;
  bump?: () => void;
}

function Live({ frame, bridge, tickMs }: { frame: () => string[]; bridge: Bridge; tickMs: number }) {
  const { write: out } = useStdout();
  const { write: err } = useStderr();
  const [, setTick] = useState(0);
  // Handed out during render: render() in legacy mode has run this before it returns.
  bridge.out = out;
  bridge.err = err;
  bridge.bump = () => setTick((n) => n + 1);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), tickMs);
    return () => clearInterval(timer);
  }, [tickMs]);
  const lines = frame();
  return (
    <Box flexDirection="column">
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line}
        </Text>
      ))}
    </Box>
  );
}

export function openLive(options: LiveOptions): LiveArea {
  const bridge: Bridge = {};
  // Ink never reads input here; a stream of its own keeps it off process.stdin (push may be reading it).
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
  const instance = render(<Live frame={options.frame} bridge={bridge} tickMs={options.tickMs ?? 200} />, {
    stdout: options.stream,
    stderr: process.stderr,
    stdin,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: 20,
  });
  let closed: Promise<void> | undefined;
  const fallback = (stream: NodeJS.WriteStream) => (text: string) => stream.write(text);
  return {
    out: (text) => (closed ? fallback(options.stream)(text) : bridge.out?.(text)),
    err: (text) => (closed ? fallback(process.stderr)(text) : bridge.err?.(text)),
    refresh: () => bridge.bump?.(),
    close({ keep = false } = {}) {
      closed ??= (async () => {
        bridge.bump?.();
        if (!keep) instance.clear();
        instance.unmount();
        await instance.waitUntilExit().catch(() => undefined);
        if (!keep) instance.clear();
      })();
      return closed;
    },
  };
}
