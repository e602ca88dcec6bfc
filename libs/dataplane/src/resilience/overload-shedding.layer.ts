// Before a listener's request path: while the overload manager sheds (memory, heap or event-loop lag
// past a threshold), a new request is answered 503 `overloaded` and its connection closed, as
// Envoy's `stop_accepting_requests` overload action does; requests in flight go on.
import type { Exchange } from '../exchange.js';
import { sendLocalReply } from '../http/local-reply.js';
import type { ExchangeHandler } from '../pipeline.js';
import { SAMPLE_MS, type OverloadManager } from './overload-manager.js';

const MESSAGE = 'the proxy is overloaded and sheds new requests; retry shortly or elsewhere';
/** When to come back: the overload manager samples once a second. */
const RETRY_AFTER = { 'retry-after': String(SAMPLE_MS / 1_000) };

/** `next` unless the overload manager sheds, then a 503 counted as shed. */
export function shedWhenOverloaded(
  overload: OverloadManager,
  next: ExchangeHandler,
): ExchangeHandler {
  return (ex: Exchange) => {
    if (!overload.sheddingRequests) return next(ex);
    overload.countShed();
    ex.res.shouldKeepAlive = false;
    sendLocalReply(ex.res, 'overloaded', MESSAGE, undefined, RETRY_AFTER);
  };
}
