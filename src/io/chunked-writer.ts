import { writeChunk } from './streams.js';

/**
 * Text written in chunks of about `size` characters rather than a write
 * (and an await) per record: many small writes cost more than the records'
 * own work on a local pipeline. Backpressure still holds: a full chunk waits
 * for the stream to drain. Call {@link flush} before ending the stream.
 */
export class ChunkedWriter {
  private parts: string[] = [];
  private length = 0;

  constructor(
    private readonly output: NodeJS.WritableStream,
    private readonly size = 64 * 1024,
  ) {}

  /** Adds text; resolves at once unless a chunk was handed to the stream and it asked to wait. */
  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.length += text.length;
    if (this.length >= this.size) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.length === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.length = 0;
    await writeChunk(this.output, chunk);
  }
}
