// Responses the proxy itself makes (no route, no endpoints, upstream failures): JSON with a reason.
import { STATUS_CODES, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';

/** Why the proxy answered itself; also sent as `x-weft-error` so clients can tell it from the app. */
export type LocalReplyReason =
  | 'no_route'
  | 'no_backend'
  | 'no_endpoints'
  | 'upstream_connect_failure'
  | 'upstream_reset'
  | 'upstream_timeout'
  | 'bad_request'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'headers_too_large'
  | 'internal_error'
  | 'no_responders'
  | 'fault_abort'
  | 'upstream_overflow'
  | 'rate_limited'
  | 'rbac_denied'
  | 'passthrough_denied'
  | 'not_ready'
  | 'overloaded';

/** Error code of a bus exchange nobody subscribed to (NATS "no responders"): answered 503. */
export const NO_RESPONDERS_CODE = 'WEFT_NO_RESPONDERS';

export const LOCAL_REPLY_STATUS: Record<LocalReplyReason, number> = {
  no_route: 404,
  no_backend: 500,
  no_endpoints: 503,
  upstream_connect_failure: 502,
  upstream_reset: 502,
  upstream_timeout: 504,
  bad_request: 400,
  method_not_allowed: 405,
  request_timeout: 408,
  headers_too_large: 431,
  internal_error: 500,
  no_responders: 503,
  fault_abort: 503,
  upstream_overflow: 503,
  rate_limited: 429,
  rbac_denied: 403,
  passthrough_denied: 403,
  not_ready: 503,
  overloaded: 503,
};

/**
 * `status` overrides the reason's usual one (a fault abort answers the status it was told to);
 * `extra` headers say more (which limit overflowed, when to come back).
 */
export function sendLocalReply(
  res: ServerResponse,
  reason: LocalReplyReason,
  message: string,
  status: number = LOCAL_REPLY_STATUS[reason],
  extra?: OutgoingHttpHeaders,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: reason, message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-weft-error': reason,
    ...extra,
  });
  res.end(body);
}

/**
 * The same reply as raw HTTP/1.1 bytes, closing the connection: for a socket no request object
 * stands for (the HTTP parser gave up on it, or its headers never completed).
 */
export function rawLocalReply(reason: LocalReplyReason, message: string): string {
  const body = JSON.stringify({ error: reason, message });
  const status = LOCAL_REPLY_STATUS[reason];
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\n` +
    `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    `x-weft-error: ${reason}\r\n\r\n${body}`
  );
}
