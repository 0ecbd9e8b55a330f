import { createRequire } from 'node:module';
import type { Agent as UndiciAgent, Dispatcher } from 'undici';

/**
 * The parts of undici custsync uses — a keep-alive `Agent` and `request` —
 * loaded without the rest of the package. Its index also loads fetch,
 * WebSocket, caches, mocks and proxy agents: 100–300 ms of start-up that
 * every run would pay. `request` is undici's own `dispatcher.request()`
 * (public API); the Agent and the request API come from the modules the
 * index itself takes them from, and are put together as it does.
 */
const require = createRequire(import.meta.url);
const DispatcherBase = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
// As undici's index does: every dispatcher gets request(), stream(), pipeline(), …
Object.assign(DispatcherBase.prototype, require('undici/lib/api/index.js') as object);

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;
export type Agent = UndiciAgent;
export type { Dispatcher };

/** `undici.request(url, { dispatcher, … })`. */
export function request(
  url: string,
  options: Omit<Dispatcher.RequestOptions, 'origin' | 'path'> & { dispatcher: Dispatcher },
): Promise<Dispatcher.ResponseData> {
  const { dispatcher, ...rest } = options;
  const parsed = new URL(url);
  return dispatcher.request({ ...rest, origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` });
}
