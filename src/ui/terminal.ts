/**
 * What a stream can show. A live display (progress, ink views) needs a real
 * terminal with a size: a pipe, `TERM=dumb`, or a `0 × 0` terminal (some CI
 * runners and `script` without a size) gets plain lines instead, never one
 * character a line. Colour follows https://no-color.org: `NO_COLOR` set to
 * anything non-empty turns it off; `FORCE_COLOR=0` too.
 */
export interface TerminalStream {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export function canDisplay(stream: TerminalStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && env.TERM !== 'dumb' && (stream.columns ?? 0) > 0 && (stream.rows ?? 0) > 0;
}

export function useColour(stream: TerminalStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** Is a variable like `CI` set to something that means yes? (`CI=false` and `CI=0` do not.) */
export function envFlag(env: NodeJS.ProcessEnv, name: string): boolean {
  const value = env[name];
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

export type Paint = (text: string) => string;

/** ANSI colours, or the identity when colour is off. Written by hand: the few codes needed do not call for a dependency. */
export interface Palette {
  red: Paint;
  green: Paint;
  yellow: Paint;
  cyan: Paint;
  dim: Paint;
  bold: Paint;
}

const code = (open: number, close: number): Paint => (text) => (text === '' ? text : `\u001b[${open}m${text}\u001b[${close}m`);

const colours: Palette = { red: code(31, 39), green: code(32, 39), yellow: code(33, 39), cyan: code(36, 39), dim: code(2, 22), bold: code(1, 22) };
const plain: Palette = { red: (t) => t, green: (t) => t, yellow: (t) => t, cyan: (t) => t, dim: (t) => t, bold: (t) => t };

export function palette(enabled: boolean): Palette {
  return enabled ? colours : plain;
}

/** The width of text as a terminal shows it: ANSI codes take no room. */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return [...text.replace(/\u001b\[[0-9;]*m/g, '')].length;
}
