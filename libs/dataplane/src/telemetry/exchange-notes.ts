// What the request path learned about one exchange, for its access log record (only when logging).
import type { Exchange } from '../exchange.js';
import type { StepOutcome } from '../pipeline.js';

export class ExchangeNotes {
  route = '';
  upstream = '';
  endpoint = '';
  retries = 0;
  /** Request body bytes received from the client (filled in when the exchange is over). */
  bytesIn = 0;
  /** Response body bytes sent on from upstream. */
  bytesOut = 0;
  /** From sending the last try to its response headers (time to first byte); -1: no answer. */
  upstreamMs = -1;
  /** The authorization decision's reason ('' when no AuthorizationPolicy decided). */
  authz = '';
  /** The AUDIT rule the request matched ('' when none). */
  audit = '';
}

/** Step: writes down the route and upstream Service chosen, when the exchange is logged. */
export function noteRoute(ex: Exchange): StepOutcome {
  const notes = ex.notes;
  if (notes !== undefined) {
    notes.route = ex.route!.name;
    notes.upstream = ex.cluster!.key;
  }
  return 'next';
}
