// What a try's failure says of its endpoint, for every kind of try (HTTP, bus, upgrade): a refused
// connection ejects the endpoint and an untried one takes the request at once; each error code
// maps to the reason the client is told.
import type { IncomingHttpHeaders } from 'node:http';
import { NO_RESPONDERS_CODE, type LocalReplyReason } from '../http/local-reply.js';
import { REQUEST_TIMEOUT_CODE } from '../resilience/try-timeout.js';
import type { Cluster } from './cluster.js';
import type { Endpoint } from './endpoint.js';

const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** A failed TLS handshake (OpenSSL's verify results, Node's TLS errors). */
const TLS_FAILURE = /^ERR_TLS_|^ERR_SSL_|CERT|^UNABLE_TO_|^HOSTNAME_MISMATCH$/;
/** A pooled keep-alive connection the peer closed under us; the request may not have been read. */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', REQUEST_TIMEOUT_CODE]);
/** A retry found no endpoint left: the Service lost them all while the retry waited. */
export const NO_ENDPOINTS_LEFT = 'WEFT_NO_ENDPOINTS_LEFT';

/** Whether an error means no connection was made, so the request never reached the application. */
export function isConnectFailure(code: string): boolean {
  return CONNECT_FAILURES.has(code) || TLS_FAILURE.test(code);
}

/** Whether the error is a connection the peer dropped under a pooled try (see `failoverReason`). */
export function isStaleConnection(code: string): boolean {
  return STALE_CONNECTION.has(code);
}

/** Whether the try ran out of time (undici's timeouts, the route's request timeout). */
export function isTimeout(code: string): boolean {
  return TIMEOUTS.has(code);
}

/** Why another endpoint may take a failed try at once: nothing was served. */
export type FailoverReason = 'connect_failure' | 'stale_connection';

/**
 * Whether a try that failed with `code` before any answer may go to another endpoint at once, and
 * why: a refused connection (nothing listens there), or, for a `pooled` try, a kept-alive
 * connection the peer closed under it (a fresh connection's reset says more than that).
 */
export function failoverReason(code: string, pooled: boolean): FailoverReason | undefined {
  if (isConnectFailure(code)) return 'connect_failure';
  return pooled && STALE_CONNECTION.has(code) ? 'stale_connection' : undefined;
}

/**
 * Connect failure → eject → an untried endpoint: after `failed` failed with `code` (one with a
 * `failoverReason`), an endpoint that refused the connection is skipped for `ejectMs`, and the
 * cluster picks one not in `tried`; undefined when none is left.
 */
export function nextEndpoint(
  cluster: Cluster,
  failed: Endpoint,
  tried: readonly Endpoint[],
  code: string,
  ejectMs: number,
  headers: IncomingHttpHeaders,
): Endpoint | undefined {
  if (isConnectFailure(code)) cluster.eject(failed, ejectMs);
  return cluster.pick(tried, headers);
}

/** The reason a client is told for a try that failed with `code`. */
export function reasonFor(code: string): LocalReplyReason {
  if (TIMEOUTS.has(code)) return 'upstream_timeout';
  if (isConnectFailure(code)) return 'upstream_connect_failure';
  if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') return 'bad_request';
  if (code === NO_RESPONDERS_CODE) return 'no_responders';
  if (code === NO_ENDPOINTS_LEFT) return 'no_endpoints';
  return 'upstream_reset';
}
