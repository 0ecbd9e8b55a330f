/**
 * Propeller's date forms (SPEC section 8 `propeller`): a date of birth is
 * answered as `August, 28 1993 00:00:00 +0000`, instants as local times
 * without offset (taken as UTC), and what a server sends in other forms is
 * read where it is unambiguous.
 */

const monthNumbers: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
};

function validDate(y: number, m: number, d: number): string | undefined {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * A date of birth as `YYYY-MM-DD`, from the answered form
 * (`August, 28 1993 00:00:00 +0000`, month names in English, full or short),
 * `YYYY-MM-DD`, a full ISO datetime, `YYYY/MM/DD`, `DD-MM-YYYY`, `DD/MM/YYYY` or
 * `DD.MM.YYYY`. A birthday has no zone: the date is taken as written. Undefined
 * when it is none of these or not a calendar date.
 */
export function parseDateOfBirth(raw: string | null | undefined): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  let match = /^([A-Za-z]{3,9})\.?,?\s+(\d{1,2}),?\s+(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?(?:\s*(?:[+-]\d{2}:?\d{2}|Z|UTC|GMT))?$/.exec(value);
  if (match) {
    const month = monthNumbers[match[1].slice(0, 3).toLowerCase()];
    return month ? validDate(Number(match[3]), month, Number(match[2])) : undefined;
  }
  match = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(value);
  if (match) return validDate(Number(match[1]), Number(match[2]), Number(match[3]));
  match = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(value);
  if (match) return validDate(Number(match[3]), Number(match[2]), Number(match[1]));
  return undefined;
}

/** An answered instant as ISO 8601 UTC: with an offset as it says, without one as UTC (the tenant's local time, SPEC *(decided)*). */
export function isoInstant(value: string | null | undefined): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  const withZone = /^\d{4}-\d{2}-\d{2}$/.test(text)
    ? `${text}T00:00:00Z`
    : /[zZ]$|[+-]\d{2}:?\d{2}$/.test(text)
      ? text
      : `${text.replace(' ', 'T')}Z`;
  const date = new Date(withZone);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

/** `--since` for the search's `dateModified.from`: UTC without offset, down to the second (the client filters the rest exactly). */
export function searchTime(instant: Date): string {
  return new Date(Math.floor(instant.getTime() / 1000) * 1000).toISOString().slice(0, 19);
}
