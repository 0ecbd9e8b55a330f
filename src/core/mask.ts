import { redactSecrets } from './secrets.js';

/**
 * Payload fields that must never be printed by dry runs, reports or logs:
 * passwords and their hashes, personal numbers (`ssn`), tokens.
 */
const sensitive = /^(password|passwordHash|password_hash|ssn|token|secret|clientSecret|access_token)$/i;

export function maskPayload(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskPayload);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([name, inner]) => [name, sensitive.test(name) && inner !== undefined && inner !== '' ? '***' : maskPayload(inner)]),
    );
  }
  if (typeof value === 'string') return redactSecrets(value);
  return value;
}
