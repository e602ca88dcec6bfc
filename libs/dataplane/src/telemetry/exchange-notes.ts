// What the request path learned about one exchange, for its access log record (only when logging).
import type { IncomingMessage } from 'node:http';

const NOTES = Symbol('weft.exchange-notes');

export class ExchangeNotes {
  route = '';
  upstream = '';
  endpoint = '';
  retries = 0;
  bytesOut = 0;
}

type NotedRequest = IncomingMessage & { [NOTES]?: ExchangeNotes };

/** Starts notes on `req`; without this, `notesOf` is undefined and nothing is written down. */
export function startNotes(req: IncomingMessage): ExchangeNotes {
  const notes = new ExchangeNotes();
  (req as NotedRequest)[NOTES] = notes;
  return notes;
}

export function notesOf(req: IncomingMessage): ExchangeNotes | undefined {
  return (req as NotedRequest)[NOTES];
}

/** Writes down the route and upstream Service chosen for `req`, when its exchange is logged. */
export function noteRoute(req: IncomingMessage, route: string, upstream: string): void {
  const notes = notesOf(req);
  if (notes === undefined) return;
  notes.route = route;
  notes.upstream = upstream;
}
