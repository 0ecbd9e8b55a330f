import { UserError } from './errors.js';

/**
 * Spans of time as typed on the command line (`--lookback 10m`,
 * `--clock-offset -1h`): one or more number+unit parts, units `ms s m h d`
 * (`1h30m`), or a bare `0`. Pure.
 */
const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

export function parseDuration(text: string, flag: string, options: { signed?: boolean } = {}): number {
  const trimmed = text.trim();
  const bad = () => new UserError(`${flag} "${text}" is not a span of time`, `e.g. ${flag} ${options.signed ? '-1h' : '10m'} (units ms, s, m, h, d; 1h30m; 0 for none)`);
  const signed = /^[-+]/.test(trimmed);
  if (signed && !options.signed) throw bad();
  const negative = trimmed.startsWith('-');
  const body = signed ? trimmed.slice(1) : trimmed;
  if (body === '0') return 0;
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(body)) throw bad();
  let ms = 0;
  for (const [, value, unit] of body.matchAll(part)) ms += Number(value) * units[unit];
  if (!Number.isFinite(ms)) throw bad();
  return Math.round(negative ? -ms : ms);
}

/** The shortest form that parses back: `10m`, `1h30m`, `45s`, `0s`. */
export function formatSpan(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  let out = '';
  for (const [unit, size] of [['d', units.d], ['h', units.h], ['m', units.m], ['s', units.s], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return sign + out;
}
