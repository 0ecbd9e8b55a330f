import type { Customer } from './customer.js';

/**
 * A well-formed line of an input file whose cells do not validate (a bad
 * date, gender, boolean, number, email): SPEC section 6 rejects that one
 * record, with a reason naming the line and every bad column, and sends the
 * rest. The file readers yield such a line as a stand-in record (its valid
 * fields, so it has a key and perhaps an email) marked with
 * {@link markInvalid}; `push` and `migrate` reject a marked record before it
 * reaches a target, and the rejects file writes the line as it was read, so
 * it can be fixed by hand and pushed again.
 *
 * The mark lives beside the object (a WeakMap), not in it: a record that is
 * copied or mapped is a new record, and no mark travels into a payload.
 */
export interface InvalidInput {
  /** `in.csv: line 4: column date_of_birth: "1990-02-30" is not a day of the calendar; column gender: …` */
  reason: string;
  /**
   * The line as read: CSV cells by column, or the JSON object of a JSONL line.
   * Absent for a platform's form (its columns are not the rejects file's): the
   * rejects file then holds the stand-in record and the reason.
   */
  raw?: { form: 'csv'; row: Record<string, string> } | { form: 'jsonl'; value: Record<string, unknown> };
}

const marks = new WeakMap<Customer, InvalidInput>();

export function markInvalid(record: Customer, invalid: InvalidInput): Customer {
  marks.set(record, invalid);
  return record;
}

/** Why this record read from a file must not be sent, or undefined when it is valid. */
export function invalidInput(record: Customer): InvalidInput | undefined {
  return marks.get(record);
}
