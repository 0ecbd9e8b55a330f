import { dialects } from '../../src/dialects/registry.js';
import type { EmulatorHandle, EmulatorOptions } from '../../src/emulator/types.js';

/**
 * Starts a dialect's emulator in the test process on a free loopback port; the
 * CLI under test (a child process) talks to it over real HTTP.
 */
export async function startEmulator(dialectId: string, options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const emulator = dialects[dialectId]?.emulator;
  if (!emulator) throw new Error(`dialect ${dialectId} has no emulator`);
  return emulator.start({ customers: 0, seed: 1, ...options });
}
