// Requests that count their own body bytes as they arrive (for the access log's `bytesIn`): Node
// builds the listener's HTTP/1.1 requests from this class, whoever reads the body later.
import { IncomingMessage } from 'node:http';

/** A request that knows how many body bytes it has received. */
interface CountsBody {
  readonly bodyBytes: number;
}

/** Bytes of a chunk pushed into a request (a Buffer, or a string in `encoding`); 0 for the end. */
export function chunkBytes(chunk: unknown, encoding?: BufferEncoding): number {
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : 0;
}

/**
 * Every body chunk enters a request through its `push` (Node's HTTP/1.1 parser calls it), so
 * counting there adds no `data` listener, which would set the body flowing before the upstream
 * reads it.
 */
export class CountedRequest extends IncomingMessage implements CountsBody {
  bodyBytes = 0;

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    this.bodyBytes += chunkBytes(chunk, encoding);
    return super.push(chunk, encoding);
  }
}

/** Body bytes `req` received: 0 for a request that does not count them. */
export function bodyBytesOf(req: IncomingMessage): number {
  return (req as Partial<CountsBody>).bodyBytes ?? 0;
}
