/**
 * One error hierarchy for the whole tool; `src/cli/main.ts` catches it in one
 * place and turns it into an exit code (SPEC section 1). Messages never carry
 * secrets: URLs are passed through {@link redactUrl} before they get here.
 */
export abstract class CustsyncError extends Error {
  abstract readonly exitCode: number;
  /** What the user can do about it, printed on its own line. */
  readonly hint?: string;

  constructor(message: string, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.hint = hint;
  }
}

/** A usage, profile or input-file mistake: nothing was sent. Exit 2. */
export class UserError extends CustsyncError {
  readonly exitCode = 2;
}

/** The remote side failed (auth, unreachable after retries, refused the run). Exit 3. */
export class RemoteError extends CustsyncError {
  readonly exitCode = 3;
  readonly method?: string;
  readonly url?: string;
  readonly status?: number;
  readonly bodySnippet?: string;

  constructor(
    message: string,
    details: { method?: string; url?: string; status?: number; bodySnippet?: string; hint?: string } = {},
  ) {
    super(message, details.hint);
    this.method = details.method;
    this.url = details.url;
    this.status = details.status;
    this.bodySnippet = details.bodySnippet;
  }
}

/** A 2xx answer that could not be parsed or did not match the wire schema. Never retried. Exit 3. */
export class ProtocolError extends RemoteError {}

/** A defect of ours; the message asks for a bug report. Exit 70 is not used: SPEC knows 0–3, so 3. */
export class BugError extends CustsyncError {
  readonly exitCode = 3;
}

/** Removes credentials from a URL: user info and query parameters that look like secrets. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '***';
      parsed.password = '';
    }
    for (const name of [...parsed.searchParams.keys()]) {
      if (/token|secret|password|key|signature|auth/i.test(name)) parsed.searchParams.set(name, '***');
    }
    const text = parsed.toString();
    // new URL() adds a slash to a bare origin; give back what was written.
    return url.endsWith('/') || parsed.pathname !== '/' || parsed.search ? text : text.replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** A short, single-line piece of a response body for error messages. */
export function snippet(body: string, max = 300): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
