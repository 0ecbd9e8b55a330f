/**
 * What the HTTP core does that a person waiting should see: a retry, and a
 * wait for a rate window or a `Retry-After`. The progress display listens
 * while a command runs; nothing listens otherwise, so an event costs a Set
 * lookup. A process-wide hook rather than an option threaded through every
 * endpoint, because the one listener is the one display of the process.
 */
export type HttpEvent =
  | {
      kind: 'retry';
      /** The profile (or endpoint as typed) whose request is tried again. */
      profile: string;
      /** `METHOD URL` without credentials. */
      label: string;
      /** 1-based number of the retry about to be made, and how many are allowed. */
      attempt: number;
      retries: number;
      /** `503`, `429`, `ECONNRESET`, … */
      cause: string;
      waitMs: number;
    }
  | {
      kind: 'wait';
      profile: string;
      /** `rate-window`: the profile's rate limit or the server's own window; `retry-after`: a 429 said so. */
      cause: 'rate-window' | 'retry-after';
      waitMs: number;
    };

export type HttpEventListener = (event: HttpEvent) => void;

const listeners = new Set<HttpEventListener>();

/** Listens to every HTTP event of the process until the returned function is called. */
export function onHttpEvent(listener: HttpEventListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function emitHttpEvent(event: HttpEvent): void {
  for (const listener of listeners) listener(event);
}

/** One line for a person: "waiting 42 s for spiffy's rate window", "retry 2/5 of GET … after 503". */
export function describeHttpEvent(event: HttpEvent): string {
  const wait = formatWait(event.waitMs);
  if (event.kind === 'wait') {
    return event.cause === 'rate-window'
      ? `waiting ${wait} for ${event.profile}'s rate window`
      : `waiting ${wait}: ${event.profile} answered 429 (Retry-After)`;
  }
  return `retry ${event.attempt}/${event.retries} of ${event.label} in ${wait} after ${event.cause}`;
}

function formatWait(ms: number): string {
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
}
