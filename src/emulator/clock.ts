import type { EmulatorOptions } from './types.js';

/**
 * The clock of an emulator (epoch ms): what it stamps on customers it
 * creates or changes, and what its `Date` headers say. Shifted by
 * `clockOffsetMs`, so that a test can play a server whose clock is off from
 * the client's; rate-limit windows and latency stay on real time.
 */
export function emulatorClock(options: Pick<EmulatorOptions, 'clock' | 'clockOffsetMs'>): () => number {
  const base = options.clock ?? Date.now;
  const offset = options.clockOffsetMs ?? 0;
  return () => base() + offset;
}
