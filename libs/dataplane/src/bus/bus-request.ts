// The request a bus responder hands to the inbound path: what that path reads of an IncomingMessage,
// with the body fed from data frames and credit granted back as the upstream consumes it.
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';

/** Stands in for the socket: a bus exchange has no peer address (x-forwarded-for says `unknown`). */
const NO_SOCKET = Object.freeze({ remoteAddress: undefined });

export class BusRequest extends Readable {
  readonly httpVersion = '1.1';
  readonly socket = NO_SOCKET;
  /** Body bytes received (the access log's `bytesIn`, as CountedRequest counts them). */
  bodyBytes = 0;
  /** Frames pushed while the buffer was full: consumed (and credited) on the next read. */
  private held = 0;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly rawHeaders: string[],
    readonly headers: IncomingHttpHeaders,
    /**
     * Who calls: the caller's SPIFFE ID, taken from the exchange's rpc subject (which nats-server
     * lets a caller publish on only with its own identity), never from a header.
     */
    readonly principal: string,
    highWaterMark: number,
    /** Called with the number of frames the consumer took off the buffer. */
    private readonly consumed: (frames: number) => void,
  ) {
    super({ highWaterMark });
  }

  /** One data frame's bytes, in order. */
  pushFrame(chunk: Buffer): void {
    this.bodyBytes += chunk.length;
    if (this.push(chunk)) this.consumed(1);
    else this.held++;
  }

  override _read(): void {
    if (this.held === 0) return;
    const frames = this.held;
    this.held = 0;
    this.consumed(frames);
  }
}
