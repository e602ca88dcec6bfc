// The response a bus responder hands to the inbound path: what that path writes of a ServerResponse,
// turned into head, data and end frames; a full window holds the writer back (write() → false).
import type { OutgoingHttpHeaders } from 'node:http';
import { Writable } from 'node:stream';

/** Where the response goes: the responder's exchange. */
export interface ResponseSink {
  head(status: number, headers: OutgoingHttpHeaders): void;
  /** Sends `chunk`; `done` runs once it went out (at once, or when credit came). */
  data(chunk: Buffer, done: () => void): void;
  end(): void;
  /** The response ended without `end` (upstream failure, cancel): the caller must hear it. */
  closed(finished: boolean): void;
}

export class BusResponse extends Writable {
  statusCode = 200;
  headersSent = false;
  /** Set by a draining listener; meaningless on the bus, kept so the listener can set it. */
  shouldKeepAlive = true;

  constructor(
    private readonly sink: ResponseSink,
    highWaterMark: number,
  ) {
    super({ highWaterMark });
  }

  /** `writeHead(status, [statusMessage], [headers])`, as on a ServerResponse. */
  writeHead(
    status: number,
    messageOrHeaders?: string | OutgoingHttpHeaders,
    headers?: OutgoingHttpHeaders,
  ): this {
    if (this.headersSent) return this;
    this.statusCode = status;
    this.headersSent = true;
    this.sink.head(
      status,
      (typeof messageOrHeaders === 'object' ? messageOrHeaders : headers) ?? {},
    );
    return this;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.writeHead(this.statusCode);
    this.sink.data(chunk, callback);
  }

  override _final(callback: () => void): void {
    this.writeHead(this.statusCode);
    this.sink.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.sink.closed(this.writableFinished);
    callback(error);
  }
}
