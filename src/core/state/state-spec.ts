import { registerSecret } from '../secrets.js';

/**
 * What `--state` names, told apart without loading anything heavy (so that
 * `--help` and the SQLite path never load node-postgres or the URL parser).
 */

/** True for a `--state` that names a PostgreSQL database rather than a directory. */
export const isStateUrl = (spec: string): boolean => /^postgres(ql)?:\/\//i.test(spec);

/**
 * Registers the password of a `postgres://USER:PASSWORD@…` state URL as a
 * secret (SPEC section 2: a secret is never printed). Called as soon as the
 * URL is seen (the `--state` option, `$CUSTSYNC_STATE`), before anything
 * could print it, and again once `${VAR}` in it is replaced. Loads nothing
 * but the secrets registry, so `--help` stays light.
 */
export function registerStatePassword(text: string | undefined): void {
  const match = text === undefined ? null : /^postgres(?:ql)?:\/\/[^:@/]*:([^@/]*)@/i.exec(text);
  if (!match || match[1] === '') return;
  registerSecret(match[1]);
  // A password shorter than registerSecret's minimum is still never printed in its URL.
  registerSecret(`:${match[1]}@`);
  try {
    registerSecret(decodeURIComponent(match[1]));
  } catch {
    // Not valid percent-encoding: the raw form is registered already.
  }
}
