// An HTTP/1.1 Upgrade (WebSocket) carried to one endpoint: the handshake proxied, then both sockets piped.
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SpanKind, type Span } from '@opentelemetry/api';
import { downstreamResponseHeaders } from '../http/forward-headers.js';
import { sendLocalReply } from '../http/local-reply.js';
import { endHttpSpan } from '../telemetry/hop-tracer.js';
import { notesOf } from '../telemetry/exchange-notes.js';
import type { Cluster } from './cluster.js';
import type { Endpoint } from './endpoint.js';
import { isConnectFailure } from './upstream-exchange.js';

export interface UpgradeOptions {
  readonly path: string;
  /** Forwarded request headers (hop-by-hop ones already dropped); `withUpgrade` adds the switch back. */
  readonly headers: string[];
  /** Until the upstream answers the handshake; 0: no limit. */
  readonly timeoutMs: number;
  /** How long an endpoint that refused the connection is skipped. */
  readonly ejectMs: number;
}

/** Set by Node's HTTP parser on a request that asks to switch protocols (absent from @types/node). */
export function isUpgrade(req: IncomingMessage): boolean {
  return (req as { upgrade?: boolean | null }).upgrade === true;
}

/**
 * The forwarded headers plus the two hop-by-hop ones an upgrade needs on the next hop too
 * (RFC 9110 §7.8: `Upgrade` is listed in `Connection`).
 */
export function withUpgrade(headers: string[], upgrade: string): string[] {
  headers.push('connection', 'upgrade', 'upgrade', upgrade);
  return headers;
}

/** The upstream's 101 headers for the client: hop-by-hop ones dropped but the switch itself. */
export function switchHeaders(upstream: IncomingMessage): Record<string, string | string[]> {
  const out = downstreamResponseHeaders(upstream.headers) as Record<string, string | string[]>;
  out.connection = 'upgrade';
  out.upgrade = upstream.headers.upgrade ?? '';
  return out;
}

/**
 * Opens the tunnel through the first endpoint that accepts a connection. The client's socket is
 * `req.socket`; `res` is bound to it, so local replies, the upstream's refusal (any status but
 * 101) and the 101 itself are written and counted as for any request.
 */
export function openUpgradeTunnel(
  req: IncomingMessage,
  res: ServerResponse,
  cluster: Cluster,
  first: Endpoint,
  options: UpgradeOptions,
  span: Span,
): void {
  const tried: Endpoint[] = [];
  const notes = notesOf(req);

  const attempt = (endpoint: Endpoint): void => {
    tried.push(endpoint);
    cluster.acquire(endpoint);
    if (notes) notes.endpoint = endpoint.origin;
    const sentAt = performance.now();
    let released = false;
    const release = (): void => {
      if (!released) cluster.release(endpoint);
      released = true;
    };
    const upstream = request({
      host: endpoint.address,
      port: endpoint.port,
      method: req.method,
      path: options.path,
      headers: options.headers,
      setHost: false,
      agent: false,
    });
    const timer =
      options.timeoutMs > 0
        ? setTimeout(() => upstream.destroy(timeoutError()), options.timeoutMs)
        : undefined;
    const clientGone = (): void => void upstream.destroy();
    res.once('close', clientGone);
    const answered = (status: number): void => {
      clearTimeout(timer);
      res.off('close', clientGone);
      cluster.record(endpoint, status, performance.now() - sentAt);
    };

    upstream.once('upgrade', (answer: IncomingMessage, socket: Socket, head: Buffer) => {
      answered(answer.statusCode ?? 101);
      if (res.destroyed) {
        socket.destroy();
        release();
        return;
      }
      res.writeHead(answer.statusCode ?? 101, answer.statusMessage, switchHeaders(answer));
      res.end();
      if (head.length > 0) req.socket.write(head);
      splice(req.socket, socket, () => {
        release();
        endHttpSpan(span, 101, SpanKind.CLIENT);
      });
    });

    upstream.once('response', (answer: IncomingMessage) => {
      // The upstream declined to switch: its answer goes back as an ordinary response.
      const status = answer.statusCode ?? 502;
      answered(status);
      res.writeHead(status, answer.statusMessage, downstreamResponseHeaders(answer.headers));
      answer.pipe(res);
      answer.once('close', () => {
        release();
        endHttpSpan(span, status, SpanKind.CLIENT);
      });
    });

    upstream.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      res.off('close', clientGone);
      release();
      if (res.destroyed || res.headersSent) {
        endHttpSpan(span, 0, SpanKind.CLIENT, error.message);
        return;
      }
      const refused = isConnectFailure(error.code ?? '');
      if (refused) cluster.eject(endpoint, options.ejectMs);
      else cluster.record(endpoint, 0);
      const next = refused ? cluster.pick(tried, req.headers) : undefined;
      if (next) return attempt(next);
      endHttpSpan(span, 0, SpanKind.CLIENT, error.message);
      const reason = timedOut(error)
        ? 'upstream_timeout'
        : refused
          ? 'upstream_connect_failure'
          : 'upstream_reset';
      sendLocalReply(res, reason, `${cluster.key}: ${error.message}`);
    });

    upstream.end();
  };
  attempt(first);
}

/**
 * Pipes two sockets both ways. An end on one side ends the other once what was read is written
 * (a WebSocket close handshake passes through); an error or a close destroys both. `done` runs
 * once, when both are closed.
 */
export function splice(a: Socket, b: Socket, done: () => void): void {
  a.pipe(b);
  b.pipe(a);
  let open = 2;
  const closed = (): void => {
    if (--open === 0) done();
  };
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    from.once('error', () => to.destroy());
    // After a close nothing more will be read; what was is flushed before the other side closes.
    from.once('close', () => to.destroySoon());
    from.once('close', closed);
  }
}

function timeoutError(): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error('upgrade handshake timed out');
  error.code = 'ETIMEDOUT';
  return error;
}

function timedOut(error: NodeJS.ErrnoException): boolean {
  return error.code === 'ETIMEDOUT';
}
