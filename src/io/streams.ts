import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import { UserError } from '../core/errors.js';

/**
 * Opening the files a user names, with errors that say which file and why,
 * and writing with backpressure so memory stays flat.
 */
export async function openInput(path: string, what = 'input file'): Promise<NodeJS.ReadableStream> {
  // A directory opens fine and fails only at the first read, as an error no user should see.
  try {
    if ((await stat(path)).isDirectory()) throw new UserError(`${what} ${path} is a directory`, 'give the path of a file');
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw fileError(path, what, error);
  }
  const stream = createReadStream(path);
  try {
    await once(stream, 'open');
  } catch (error) {
    throw fileError(path, what, error);
  }
  // A read that fails later (a disk error, a file removed under a FIFO) is a file error too, not a bug.
  const wrapped = new PassThrough();
  stream.on('error', (error) => wrapped.destroy(fileError(path, what, error)));
  return stream.pipe(wrapped);
}

/** A plain write stream. Files a user names are written through `openOutputFile` (`./atomic-file.ts`) instead, so they never look finished before they are. */
export async function openOutput(path: string, what = 'output file'): Promise<NodeJS.WritableStream & { close?: () => void }> {
  const stream = createWriteStream(path);
  try {
    await once(stream, 'open');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Promise.reject(new UserError(`${what} ${path} cannot be created: its folder does not exist`));
    throw fileError(path, what, error);
  }
  return stream;
}

export function fileError(path: string, what: string, error: unknown): UserError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not accessible (permission denied)' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
  return new UserError(`${what} ${path} ${reason}`);
}

/** Writes a chunk and waits for `drain` when the stream asks for it. */
export async function writeChunk(stream: NodeJS.WritableStream, chunk: string | Uint8Array): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

/** Ends a file stream and waits until it is flushed; stdout is left open. */
export async function finish(stream: NodeJS.WritableStream): Promise<void> {
  if (stream === process.stdout || stream === process.stderr) return;
  stream.end();
  await once(stream, 'finish');
}
