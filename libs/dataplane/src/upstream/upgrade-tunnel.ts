// An HTTP/1.1 Upgrade (WebSocket) carried to one endpoint: the handshake proxied, then both sockets piped.
import { request, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as tlsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import type { Exchange } from '../exchange.js';
import { downstreamResponseHeaders, upstreamHeaders } from '../http/forward-headers.js';
import { sendLocalReply } from '../http/local-reply.js';
import type { StepOutcome } from '../pipeline.js';
import { TryTimeoutError } from '../resilience/try-timeout.js';
import { endHttpSpan, traceparentOf } from '../telemetry/hop-tracer.js';
import type { Endpoint } from './endpoint.js';
import { failoverReason, nextEndpoint, reasonFor } from './endpoint-failure.js';
import type { UpstreamContext } from './upstream-try.js';
import { connectionOptions } from './upstream-tls.js';

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
 * Step: an Upgrade request goes through a tunnel ('held'); every other request goes on. The tunnel
 * opens through the first endpoint that accepts a connection: each attempt is a try of its own
 * (its client span, the endpoint-failure handling and next-endpoint pick of every try). The
 * client's socket is `req.socket`; `res` is bound to it, so local replies, the upstream's refusal
 * (any status but 101) and the 101 itself are written and counted as for any request.
 */
export function upgradeTunnel(ctx: UpstreamContext): (ex: Exchange) => StepOutcome {
  return (ex) => {
    if (!isUpgrade(ex.req)) return 'next';
    const tried: Endpoint[] = [];
    const attempt = (endpoint: Endpoint): void => {
      tried.push(endpoint);
      tunnelTry(ctx, ex, endpoint, tried, attempt);
    };
    attempt(ex.first!);
    return 'held';
  };
}

/** One attempt at the handshake through `endpoint`; `next` takes the request on after a refusal. */
function tunnelTry(
  ctx: UpstreamContext,
  ex: Exchange,
  endpoint: Endpoint,
  tried: readonly Endpoint[],
  next: (endpoint: Endpoint) => void,
): void {
  const { req, res } = ex;
  const cluster = ex.cluster!;
  const timeoutMs = ex.policy.timeoutMs;
  cluster.acquire(endpoint);
  if (ex.notes) ex.notes.endpoint = endpoint.origin;
  const span = ctx.tracer.client(ex, cluster.key, tried.length - 1);
  const headers = upstreamHeaders(req, ex.policy, traceparentOf(span), ctx.caller);
  const sentAt = performance.now();
  let released = false;
  const release = (): void => {
    if (!released) cluster.release(endpoint);
    released = true;
  };
  const options: RequestOptions = {
    host: endpoint.address,
    port: endpoint.port,
    method: req.method,
    path: ex.path,
    headers: withUpgrade(headers, String(req.headers.upgrade)),
    setHost: false,
    agent: false,
  };
  // A meshed endpoint's mTLS (or an ExternalService's TLS); no ALPN offered, so HTTP/1.1.
  const tls = endpoint.tls ?? cluster.policy.tls;
  const upstream = tls
    ? tlsRequest({
        ...options,
        ...connectionOptions(tls),
        servername: tls.servername,
      })
    : request(options);
  // Until the upstream answers the handshake, as a per-try timeout.
  const timer =
    timeoutMs > 0
      ? setTimeout(() => upstream.destroy(new TryTimeoutError()), timeoutMs)
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
    endHttpSpan(span, 0, SpanKind.CLIENT, error.message);
    if (res.destroyed || res.headersSent) return;
    const code = error.code ?? '';
    // A fresh connection (no pool): only a refused one says nothing was served.
    const refused = failoverReason(code, false) !== undefined;
    if (!refused) cluster.record(endpoint, 0);
    const other = refused
      ? nextEndpoint(cluster, endpoint, tried, code, ctx.ejectMs, req.headers)
      : undefined;
    if (other) return next(other);
    sendLocalReply(res, reasonFor(code), `${cluster.key}: ${error.message}`);
  });

  upstream.end();
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
