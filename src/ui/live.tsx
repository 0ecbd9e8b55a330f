import { PassThrough } from 'node:stream';
import { useEffect, useLayoutEffect, useState } from 'react';
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
  /** Lines of the last frame drawn. */
  lines: number;
  /** Ink unmounted itself: it does so on SIGINT/SIGTERM (through signal-exit), before the command has said its last word. */
  gone: boolean;
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
  // A layout effect's cleanup runs within the unmount itself, so nothing is written to an ink that is gone.
  useLayoutEffect(() => () => void (bridge.gone = true), [bridge]);
  const lines = frame();
  bridge.lines = lines.length;
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
  const bridge: Bridge = { lines: 0, gone: false };
  // Ink never reads input here; a stream of its own keeps it off process.stdin (push may be reading it).
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
  let hidden = false;
  const frame = () => (hidden ? [] : options.frame());
  const instance = render(<Live frame={frame} bridge={bridge} tickMs={options.tickMs ?? 200} />, {
    stdout: options.stream,
    stderr: process.stderr,
    stdin,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: 20,
  });
  // Asked for at once: ink resolves only a wait that was asked for before it exited.
  const exited = instance.waitUntilExit().catch(() => undefined);
  let closed: Promise<void> | undefined;
  let erased = false;
  /** After ink unmounted itself, its last frame is still on the terminal: erase it once, then write directly. */
  const direct = (stream: NodeJS.WriteStream, text: string) => {
    if (bridge.gone && !erased) {
      erased = true;
      options.stream.write(`${'\u001b[1A\u001b[2K'.repeat(bridge.lines)}\u001b[G`);
    }
    stream.write(text);
  };
  return {
    out: (text) => (closed || bridge.gone ? direct(options.stream, text) : bridge.out?.(text)),
    err: (text) => (closed || bridge.gone ? direct(process.stderr, text) : bridge.err?.(text)),
    refresh: () => bridge.bump?.(),
    close({ keep = false } = {}) {
      closed ??= (async () => {
        if (bridge.gone) {
          if (!keep) direct(options.stream, '');
          return;
        }
        if (keep) {
          // Let the last state be drawn before ink takes its final frame.
          bridge.bump?.();
          await new Promise((resolve) => setTimeout(resolve, 60));
        } else {
          hidden = true;
          instance.clear();
        }
        instance.unmount();
        await exited;
        if (!keep) instance.clear();
      })();
      return closed;
    },
  };
}
