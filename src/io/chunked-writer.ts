import { writeChunk } from './streams.js';

/**
 * Text written in chunks of about `size` bytes rather than a write (and an
 * await) per record: many small writes cost more than the records' own work
 * on a local pipeline. The text is encoded straight into the chunk's buffer:
 * handing the stream strings (joined or concatenated) cost about four times
 * the records' JSON.stringify, the buffer about a sixth of it. Backpressure
 * still holds: a full chunk waits for the stream to drain. Call
 * {@link flush} before ending the stream.
 */
export class ChunkedWriter {
  private buffer: Buffer;
  private used = 0;

  constructor(
    private readonly output: NodeJS.WritableStream,
    private readonly size = 64 * 1024,
  ) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  /** Adds text; resolves at once unless a chunk was handed to the stream and it asked to wait. */
  async write(text: string): Promise<void> {
    // UTF-8 takes at most three bytes per UTF-16 unit: room is checked without measuring the text.
    if (this.used + text.length * 3 > this.size) {
      await this.flush();
      if (text.length * 3 > this.size) {
        await writeChunk(this.output, Buffer.from(text));
        return;
      }
    }
    this.used += this.buffer.write(text, this.used);
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    // The stream keeps the chunk until it is written: the next one gets a buffer of its own.
    const chunk = this.buffer.subarray(0, this.used);
    this.buffer = Buffer.allocUnsafe(this.size);
    this.used = 0;
    await writeChunk(this.output, chunk);
  }
}
