// A bounded copy of a request body as it streams upstream, so that a retry can send it again.
import type { Readable } from 'node:stream';

/**
 * Copies the chunks the first try reads, up to `limit` bytes; past that the copy is dropped and
 * the request cannot be resent. Attach it in the same tick as the consumer that sends the body
 * (both then see every chunk); it never holds the body back.
 */
export class ReplayBody {
  private chunks: Buffer[] | undefined = [];
  private bytes = 0;
  private ended = false;

  constructor(
    private readonly body: Readable,
    private readonly limit: number,
  ) {
    body.on('data', this.onData);
    body.once('end', this.onEnd);
  }

  /** The whole body, read to its end and within the limit: a retry may send it. */
  get complete(): boolean {
    return this.ended && this.chunks !== undefined;
  }

  /** The body to send again; only when `complete`. */
  replay(): Buffer {
    return Buffer.concat(this.chunks!);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.bytes += chunk.length;
    if (this.bytes <= this.limit) {
      this.chunks!.push(chunk);
      return;
    }
    this.chunks = undefined;
    this.body.off('data', this.onData);
  };

  private readonly onEnd = (): void => {
    this.ended = true;
  };
}
