// Envoy-style limits of a proxy listener: how long headers and idle connections may take, how many
// connections it holds and how many requests one connection serves; applied to Node's own settings.
import type { Server } from 'node:http';
import type { Http2Session } from 'node:http2';

export interface ListenerLimits {
  /**
   * How long a request's headers may take to arrive, from the connection's first byte or the end
   * of its previous request (Envoy's `request_headers_timeout`): a connection that trickles its
   * headers is answered 408 and closed. 0: no limit.
   */
  readonly headersTimeoutMs: number;
  /**
   * A connection with no request in progress is closed after this long (Envoy's `idle_timeout`):
   * HTTP/1.1 keep-alive; an HTTP/2 connection quiet this long is closed gracefully (GOAWAY).
   */
  readonly idleTimeoutMs: number;
  /** Client connections open at once; more are refused (closed as accepted). 0: no limit. */
  readonly maxConnections: number;
  /**
   * Requests one connection serves (Envoy's `max_requests_per_connection`): the last answer of an
   * HTTP/1.1 connection says `connection: close`; an HTTP/2 one gets GOAWAY. 0: no limit.
   */
  readonly maxRequestsPerConnection: number;
}

export const DEFAULT_LISTENER_LIMITS: ListenerLimits = {
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 65_000,
  maxConnections: 0,
  maxRequestsPerConnection: 0,
};

/**
 * Node's HTTP/1.1 settings (of a plain server, or of HTTP/1.1 over TLS) are its own fields, read
 * as connections and requests come (the last two are missing from the types; Node reads the
 * checking interval when the server starts listening).
 */
export type Http1Settings = Pick<
  Server,
  'headersTimeout' | 'requestTimeout' | 'keepAliveTimeout' | 'maxRequestsPerSocket'
> & { requireHostHeader: boolean; connectionsCheckingInterval: number };

/**
 * Sets an HTTP/1.1 server's fields for `limits`, before it listens. No request timeout: a body may
 * stream as long as its route allows. A request without Host is left to the request path, which
 * answers it with the usual JSON body.
 */
export function applyHttp1Limits(server: Http1Settings, limits: ListenerLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = 0;
  server.keepAliveTimeout = limits.idleTimeoutMs;
  server.maxRequestsPerSocket = limits.maxRequestsPerConnection;
  server.requireHostHeader = false;
  // Node looks for expired headers on a timer (every 30 s by default): check often enough for the
  // limit to hold within a fraction of itself.
  if (limits.headersTimeoutMs > 0)
    server.connectionsCheckingInterval = Math.min(1_000, Math.max(50, limits.headersTimeoutMs / 4));
}

/** The same limits on an HTTP/2 session: idle time and requests served. */
export function limitHttp2Session(session: Http2Session, limits: ListenerLimits): void {
  if (limits.idleTimeoutMs > 0) session.setTimeout(limits.idleTimeoutMs, () => session.close());
  const max = limits.maxRequestsPerConnection;
  if (max === 0) return;
  let streams = 0;
  session.on('stream', () => {
    // GOAWAY: the streams open finish, the client opens a new connection for the next ones.
    if (++streams === max) session.close();
  });
}
