/**
 * The form of an email address every target takes (one `@`, no spaces, a dot
 * in the domain): the four platforms refuse anything else. Checked locally
 * before sending (and in dry runs), so a record with a malformed email is
 * rejected without a request, and a dry run predicts it.
 */
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isEmailAddress(text: string): boolean {
  return emailPattern.test(text.trim());
}

/** The reason a target would refuse this record's email, or undefined (no email is no problem here). */
export function emailRefusal(email: string | undefined): string | undefined {
  if (email === undefined || email.trim() === '' || isEmailAddress(email)) return undefined;
  return `email "${email}" is not a valid email address`;
}
