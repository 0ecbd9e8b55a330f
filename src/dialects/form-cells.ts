import { CellError } from '../io/csv-columns.js';

/**
 * Cell values of the platforms' spreadsheets (Shopify, WooCommerce,
 * Matrixify) ⇄ canonical values. Pure. A cell that cannot be read throws
 * CellError naming its column; the reader adds the line.
 */

/** A present cell, or undefined for an empty one. */
export function text(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

const truthy = ['yes', 'true', '1', 'y'];
const falsy = ['no', 'false', '0', 'n'];

/** `yes`/`no` (Shopify), `TRUE`/`FALSE` (Matrixify), `1`/`0`: any case. */
export function readBoolean(column: string, value: string | undefined): boolean | undefined {
  const cell = text(value);
  if (cell === undefined) return undefined;
  const lower = cell.toLowerCase();
  if (truthy.includes(lower)) return true;
  if (falsy.includes(lower)) return false;
  throw new CellError(column, `"${cell}" is not yes or no`);
}

export function writeBoolean(value: boolean | undefined, yes: string, no: string): string {
  return value === undefined ? '' : value ? yes : no;
}

/** A boolean kept in `custom` ('true'/'false'), read back for a form's yes/no column; anything else is not written. */
export function customBoolean(value: string | undefined): boolean | undefined {
  const lower = value?.trim().toLowerCase();
  if (lower === undefined) return undefined;
  if (truthy.includes(lower)) return true;
  if (falsy.includes(lower)) return false;
  return undefined;
}

export function readNumber(column: string, value: string | undefined): number | undefined {
  const cell = text(value);
  if (cell === undefined) return undefined;
  const n = Number(cell);
  if (!Number.isFinite(n)) throw new CellError(column, `"${cell}" is not a number`);
  return n;
}

/** Shopify's and Matrixify's `Tags`: one cell, comma-separated. */
export function splitTags(value: string | undefined): string[] {
  return (value ?? '').split(',').map((tag) => tag.trim()).filter((tag) => tag !== '');
}

export function joinTags(groups: readonly string[]): string {
  return groups.join(', ');
}

/**
 * Shopify's exports put a `'` before ids, phone numbers, zips and dates, so
 * that a spreadsheet keeps them as text (`'110111`, `'+573001112233`);
 * reading removes it. Only before a digit or a `+`: a note that starts with
 * a quote keeps it.
 */
export function withoutTextMark(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return /^'[\d+]/.test(value) ? value.slice(1) : value;
}

/** A language cell (`en`, `pt-BR`, `EN`) as ISO 639-1. */
export function readLanguage(column: string, value: string | undefined): string | undefined {
  const cell = text(value);
  if (cell === undefined) return undefined;
  const match = /^([a-z]{2})(?:[-_][a-z0-9]+)*$/i.exec(cell);
  if (!match) throw new CellError(column, `"${cell}" is not a language code like "en" or "pt-BR"`);
  return match[1].toLowerCase();
}

/**
 * An instant as the spreadsheets write it (`2024-03-05 14:02:11 +0100`,
 * `2024-03-05 14:02:11`, `2024-03-05T14:02:11Z`, `2024-03-05`) as ISO 8601
 * in UTC; one without an offset is UTC (WooCommerce writes GMT).
 */
export function readInstant(column: string, value: string | undefined): string | undefined {
  const cell = text(withoutTextMark(value));
  if (cell === undefined) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(cell);
  const iso = match ? `${match[1]}T${match[2] ?? '00:00:00'}${normaliseOffset(match[3])}` : cell;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new CellError(column, `"${cell}" is not a date and time`);
  return date.toISOString();
}

function normaliseOffset(offset: string | undefined): string {
  if (offset === undefined || offset.toUpperCase() === 'Z') return 'Z';
  return offset.includes(':') ? offset : `${offset.slice(0, 3)}:${offset.slice(3)}`;
}

/** An instant written as `YYYY-MM-DD HH:MM:SS` in UTC (WooCommerce's form), or `''`. */
export function writeInstantUtc(value: string | undefined): string {
  if (value === undefined) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** Shopify's own birth date metafield: read into `dateOfBirth`, the rest of the metafields into `custom`. */
export const birthDateMetafield = 'facts.birth_date';

/** `Birth date (customer.metafields.facts.birth_date)` (Shopify's export) → `facts.birth_date`. */
export function shopifyMetafield(column: string): string | undefined {
  return /\(customer\.metafields\.([^.()\s]+\.[^()\s]+)\)\s*$/.exec(column)?.[1];
}

/** `Metafield: facts.birth_date [date]` (Matrixify) → `facts.birth_date`. */
export function matrixifyMetafield(column: string): string | undefined {
  return /^Metafield:\s*([^.\s[\]]+\.[^\s[\]]+)(?:\s*\[[^\]]*\])?\s*$/.exec(column)?.[1];
}
