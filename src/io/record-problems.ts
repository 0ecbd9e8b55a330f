import { z } from 'zod';
import { parseCustomer, type Customer, type CustomerDraft } from '../core/customer.js';
import { isEmailAddress } from '../core/email.js';

/**
 * Checking one record of an input file field by field, so that a line with
 * several bad cells names all of them (SPEC section 6), and a stand-in
 * record (the fields that are valid) can still carry the line's key into the
 * rejects file and the report.
 */
export interface FieldProblem {
  /** The canonical field (`dateOfBirth`, `addresses`). */
  field: string;
  /** What is wrong, quoting the value: `"1990-02-30" is not a day of the calendar`. */
  message: string;
}

/** Why this email cannot be sent, or undefined. Only records about to be sent are held to it (`push`, `migrate`). */
export function emailProblem(email: string | undefined): FieldProblem | undefined {
  if (email === undefined || email.trim() === '' || isEmailAddress(email)) return undefined;
  return { field: 'email', message: `"${email}" is not an email address` };
}

function quoted(value: unknown): string {
  if (value === undefined || value === '') return '';
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

/** One zod issue as a message about the value: `"x" is not one of m, f, u`, `"1990/1/1" must be YYYY-MM-DD`. */
function describe(issue: z.core.$ZodIssue, value: unknown): string {
  const field = String(issue.path[0] ?? '');
  const shown = quoted(value);
  if ((value === undefined || value === '') && issue.path.length === 1) return 'must not be empty';
  if (issue.code === 'invalid_value' && 'values' in issue) return `${shown || 'the value'} is not one of ${issue.values.join(', ')}`;
  if (issue.code === 'invalid_type') return `${shown || 'the value'} is not ${issue.expected === 'string' ? 'text' : `a ${issue.expected}`}`;
  const own = issue.message.startsWith(`${field} `) ? issue.message.slice(field.length + 1) : issue.message;
  const where = issue.path.length > 1 ? `${issue.path.slice(1).join('.')}: ` : '';
  return shown && issue.path.length === 1 ? `${shown} ${own}` : `${where}${own}`;
}

/** Fields that the record must always have: dropped to their empty form, not deleted. */
const emptyForm: Record<string, unknown> = { addresses: [], groups: [], custom: {} };

/**
 * Validates a draft. Returns the customer, or every top-level field that does
 * not validate (in field order) with a stand-in: the record without those
 * fields, keyed `fallbackKey` when the key itself is bad.
 */
export function checkDraft(draft: Record<string, unknown>, fallbackKey: string): { customer: Customer; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  // The draft itself while nothing is wrong (every line of a file passes here); a copy before the first change.
  let rest = draft;
  // Lists and maps of the wrong kind would trip normalising before validation could name them.
  for (const [field, empty] of Object.entries(emptyForm)) {
    const value = draft[field];
    if (value === undefined || Array.isArray(value) === Array.isArray(empty) && typeof value === 'object' && value !== null) continue;
    problems.push({ field, message: `${quoted(value) || 'the value'} is not ${Array.isArray(empty) ? 'a list' : 'an object'}` });
    if (rest === draft) rest = { ...draft };
    rest[field] = empty;
  }
  const first = tryParse(rest);
  if (first.ok && problems.length === 0) return { customer: first.customer, problems: [] };
  if (first.ok) return { customer: first.customer, problems };
  if (rest === draft) rest = { ...draft };
  let issues = first.issues;
  // Dropping a bad field can only reveal problems of other fields, so this ends.
  for (let round = 0; round < 5 && issues.length > 0; round += 1) {
    for (const issue of issues) {
      const field = String(issue.path[0] ?? '');
      if (!problems.some((p) => p.field === field && issue.path.length === 1)) problems.push({ field, message: describe(issue, draft[field]) });
      if (field in emptyForm) rest[field] = emptyForm[field];
      else delete rest[field];
    }
    if (rest.key === undefined) rest.key = fallbackKey;
    const again = tryParse(rest);
    if (again.ok) return { customer: again.customer, problems };
    issues = again.issues;
  }
  return { customer: parseCustomer({ key: fallbackKey }), problems };
}

function tryParse(draft: Record<string, unknown>): { ok: true; customer: Customer } | { ok: false; issues: z.core.$ZodIssue[] } {
  try {
    return { ok: true, customer: parseCustomer(draft as CustomerDraft) };
  } catch (error) {
    if (error instanceof z.ZodError) return { ok: false, issues: error.issues };
    // Normalising trips only over an address that is not an object (or whose lines are not a list).
    if (error instanceof TypeError && Array.isArray(draft.addresses) && draft.addresses.length > 0) {
      return { ok: false, issues: [{ code: 'custom', path: ['addresses'], message: 'is not a list of address objects', input: undefined } as z.core.$ZodIssue] };
    }
    throw error;
  }
}
