import { spawn } from 'node:child_process';
import { cliPath, tempDir } from './cli.js';

/**
 * Runs a shell command line under a pseudo-terminal of a given size, with
 * util-linux `script`, as a person at a terminal runs it. `custsync` in the
 * line is the built CLI. The output is what the terminal received: stdout and
 * stderr together, with the terminal's `\r\n`.
 */
export interface PtyOptions {
  cols?: number;
  rows?: number;
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Called with the output so far; return text to type (e.g. "\u0003" for Ctrl-C), once. */
  type?: (output: string) => string | undefined;
  timeoutMs?: number;
}

export interface PtyResult {
  code: number | null;
  output: string;
}

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

export function custsync(...args: string[]): string {
  return [quote(process.execPath), quote(cliPath), ...args.map(quote)].join(' ');
}

export function runInPty(line: string, options: PtyOptions = {}): Promise<PtyResult> {
  const size = `stty cols ${options.cols ?? 100} rows ${options.rows ?? 30}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', `${size}; ${line}`, '/dev/null'], {
      cwd: options.cwd ?? tempDir(),
      env: { ...process.env, CI: undefined, TERM: 'xterm-256color', NO_COLOR: undefined, FORCE_COLOR: undefined, CUSTSYNC_CONFIG_DIR: tempDir(), ...options.env } as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let typed = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (!typed && options.type) {
        const text = options.type(output);
        if (text !== undefined) {
          typed = true;
          child.stdin.write(text);
        }
      }
    });
    child.stderr.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * What a terminal shows after receiving `output`: the few control sequences
 * ink and custsync write (cursor up, to column 1, erase line, colours, cursor
 * show/hide, synchronized output) are carried out; colours are dropped.
 * Good enough to say what a person sees at the end, and that nothing was left
 * behind.
 */
export function screen(output: string): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  // eslint-disable-next-line no-control-regex
  const token = /\u001b\[([?0-9;]*)([A-Za-z])|\u001b[()][A-Z0-9]|\r|\n|[^\u001b\r\n]/gu;
  for (const match of output.matchAll(token)) {
    const [text, params, command] = match;
    if (text === '\r') col = 0;
    else if (text === '\n') {
      row += 1;
      lines[row] ??= [];
    } else if (command !== undefined) {
      const n = Number(params || '1');
      if (command === 'A') row = Math.max(0, row - n);
      else if (command === 'B') row += n;
      else if (command === 'G') col = Math.max(0, Number(params || '1') - 1);
      else if (command === 'K') {
        if (params === '2') lines[row] = [];
        else lines[row] = (lines[row] ?? []).slice(0, col);
      }
      lines[row] ??= [];
    } else if (!text.startsWith('\u001b')) {
      lines[row] ??= [];
      lines[row][col] = text;
      col += 1;
    }
  }
  const shown = lines.map((cells) => Array.from(cells, (c) => c ?? ' ').join('').trimEnd());
  while (shown.length > 0 && shown[shown.length - 1] === '') shown.pop();
  return shown;
}

/** The distinct frames of the live area that showed a line matching `pattern`. */
export function framesMatching(output: string, pattern: RegExp): string[] {
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\u001b\[[?0-9;]*[A-Za-z]/g, '');
  return [...new Set(plain.split(/\r?\n/).filter((line) => pattern.test(line)))];
}
