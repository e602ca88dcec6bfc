// What the request path learned about one exchange, for its access log record (only when logging).
import type { IncomingMessage } from 'node:http';

const NOTES = Symbol('weft.exchange-notes');

export class ExchangeNotes {
  route = '';
  upstream = '';
  endpoint = '';
  retries = 0;
  /** Request body bytes received from the client. */
  bytesIn = 0;
  /** Response body bytes sent on from upstream. */
  bytesOut = 0;
  /** From sending the last try to its response headers (time to first byte); -1: no answer. */
  upstreamMs = -1;
}

type NotedRequest = IncomingMessage & { [NOTES]?: ExchangeNotes };

/** Starts notes on `req`; without this, `notesOf` is undefined and nothing is written down. */
export function startNotes(req: IncomingMessage): ExchangeNotes {
  const notes = new ExchangeNotes();
  (req as NotedRequest)[NOTES] = notes;
  countBodyBytes(req, notes);
  return notes;
}

export function notesOf(req: IncomingMessage): ExchangeNotes | undefined {
  return (req as NotedRequest)[NOTES];
}

/**
 * Every body chunk enters the request through its own `push` (Node's HTTP/1.1 parser, its HTTP/2
 * compatibility layer, a BusRequest's frames), whoever reads it later; counting there adds no
 * `data` listener, which would set the body flowing before the upstream reads it. Only logged
 * requests pay for this closure.
 */
function countBodyBytes(req: IncomingMessage, notes: ExchangeNotes): void {
  const push = req.push.bind(req);
  req.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk instanceof Uint8Array) notes.bytesIn += chunk.byteLength;
    else if (typeof chunk === 'string') notes.bytesIn += Buffer.byteLength(chunk, encoding);
    return push(chunk, encoding);
  };
}

/** Writes down the route and upstream Service chosen for `req`, when its exchange is logged. */
export function noteRoute(req: IncomingMessage, route: string, upstream: string): void {
  const notes = notesOf(req);
  if (notes === undefined) return;
  notes.route = route;
  notes.upstream = upstream;
}
