import { createWriteStream, statSync, unlinkSync, type WriteStream } from 'node:fs';
import { link, rename, stat, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../core/errors.js';
import { fileError } from './streams.js';

/**
 * Output files that never look finished before they are (SPEC section 1,
 * issue "nothing overwritten without asking"): everything custsync writes to a
 * named file (`pull -o`, `push --to csv:FILE`, rejects, reports) goes to a
 * temporary name beside it (`.NAME.PID.RANDOM.partial`, same folder, so the
 * rename is atomic) and is renamed to NAME only once complete. A run that
 * fails or is killed leaves at most a `.partial` file, never a NAME that
 * holds half the records. An existing NAME is replaced only with `--force`.
 *
 * Special files (a FIFO, `/dev/stdout`) are written directly: they cannot be
 * renamed over, and they hold no earlier content to protect.
 */
export interface OutputFile {
  /** Where the bytes go now. */
  readonly stream: NodeJS.WritableStream;
  /** The name the file gets once committed. */
  readonly path: string;
  /** Flushes the temporary file and renames it to `path`. */
  commit(): Promise<void>;
  /** Drops the temporary file; `path` is left as it was. Safe after commit (does nothing then). */
  abort(): Promise<void>;
}

export interface OutputFileOptions {
  /** For messages: `output file`, `rejects file`, `report file`. */
  what?: string;
  /** Replace a file that exists (`--force`). */
  force?: boolean;
  /** The hint when the file exists and `force` is not set. */
  existsHint?: string;
}

/** Temporary files of this process, removed if it exits before they were committed or dropped. */
const partials = new Set<string>();
let exitHook = false;

function remember(path: string): void {
  partials.add(path);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const partial of partials) {
      try {
        unlinkSync(partial);
      } catch {
        // already gone
      }
    }
  });
}

type Existing = 'none' | 'file' | 'special';

async function existing(path: string, what: string): Promise<Existing> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new UserError(`${what} ${path} is a directory`, 'give a file name');
    return info.isFile() ? 'file' : 'special';
  } catch (error) {
    if (error instanceof UserError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw fileError(path, what, error);
  }
}

/**
 * Exit 2 unless `path` may be written: it must not exist (or `force`), must
 * not be a directory, and its folder must exist. Call it before anything is
 * read or sent, so a run never ends at the output after doing the work.
 */
export async function checkOutputPath(path: string, options: OutputFileOptions = {}): Promise<void> {
  const what = options.what ?? 'output file';
  const found = await existing(path, what);
  if (found === 'file' && !options.force) {
    throw new UserError(`${what} ${path} exists`, options.existsHint ?? 'pass --force to replace it, or give another name');
  }
  if (found === 'none') {
    try {
      if (!(await stat(dirname(path))).isDirectory()) throw new UserError(`${what} ${path} cannot be created: ${dirname(path)} is not a folder`);
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new UserError(`${what} ${path} cannot be created: its folder does not exist`);
    }
  }
}

export async function openOutputFile(path: string, options: OutputFileOptions = {}): Promise<OutputFile> {
  const what = options.what ?? 'output file';
  await checkOutputPath(path, options);
  if ((await existing(path, what)) === 'special') return direct(path, what);
  const partial = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
  const stream = createWriteStream(partial, { flags: 'wx' });
  try {
    await once(stream, 'open');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS') throw new UserError(`${what} ${path} cannot be created: ${dirname(path)} is not writable`);
    throw fileError(path, what, error);
  }
  remember(partial);
  let state: 'open' | 'committed' | 'aborted' = 'open';
  return {
    stream,
    path,
    async commit() {
      if (state !== 'open') return;
      await end(stream);
      state = 'committed';
      try {
        await place(partial, path, options.force === true, what);
      } finally {
        partials.delete(partial);
      }
    },
    async abort() {
      if (state !== 'open') return;
      state = 'aborted';
      // Writes still queued fail once the stream is destroyed: those errors are expected, not a crash.
      stream.on('error', () => undefined);
      stream.destroy();
      partials.delete(partial);
      await unlink(partial).catch(() => undefined);
    },
  };
}

/** A FIFO or a device: written directly. */
async function direct(path: string, what: string): Promise<OutputFile> {
  const stream = createWriteStream(path, { flags: 'a' });
  try {
    await once(stream, 'open');
  } catch (error) {
    throw fileError(path, what, error);
  }
  let done = false;
  return {
    stream,
    path,
    async commit() {
      if (done) return;
      done = true;
      await end(stream);
    },
    async abort() {
      if (done) return;
      done = true;
      stream.destroy();
    },
  };
}

async function end(stream: WriteStream): Promise<void> {
  if (stream.writableFinished) return;
  stream.end();
  await once(stream, 'finish');
}

/**
 * Gives the finished file its name. Without `force` a hard link claims the
 * name only if nothing took it meanwhile (rename would silently replace it);
 * where links are not possible, a rename after a last look.
 */
async function place(partial: string, path: string, force: boolean, what: string): Promise<void> {
  if (force) {
    await rename(partial, path);
    return;
  }
  try {
    await link(partial, path);
    await unlink(partial);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      await unlink(partial).catch(() => undefined);
      throw new UserError(`${what} ${path} was created by something else while custsync wrote it; left as it is`, 'run again with --force to replace it');
    }
    if (fileExists(path)) {
      await unlink(partial).catch(() => undefined);
      throw new UserError(`${what} ${path} was created by something else while custsync wrote it; left as it is`, 'run again with --force to replace it');
    }
    await rename(partial, path);
  }
}

function fileExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
