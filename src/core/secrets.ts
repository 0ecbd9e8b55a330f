/**
 * Secrets are redacted by this one code path everywhere: profiles register
 * their secret values here when they are resolved, and every line the tool
 * prints (logs, errors, reports) goes through {@link redactSecrets}.
 */
const knownSecrets = new Set<string>();

/** Remembers a value that must never be printed. Short values are ignored to avoid masking common words. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) knownSecrets.add(value);
}

export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join('***');
  }
  return out;
}

/** What `profiles show` prints in place of a secret: nothing of it, only that it is set. */
export function maskSecret(value: string): string {
  return value === '' ? '(empty)' : '********';
}
