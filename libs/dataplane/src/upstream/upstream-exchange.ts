// One request's trip upstream: streams both bodies with backpressure, maps failures to local replies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { SpanKind, type Span } from '@opentelemetry/api';
import { endHttpSpan } from '../telemetry/hop-tracer.js';
import type { HeaderModifier } from '../filters/header-modifier.js';
import { downstreamResponseHeaders } from '../http/forward-headers.js';
import { sendLocalReply, type LocalReplyReason } from '../http/local-reply.js';
import type { Cluster } from './cluster.js';
import type { Endpoint } from './endpoint.js';
import type { PoolRegistry } from './pool-registry.js';

export interface ExchangeContext {
  readonly pools: PoolRegistry;
  /** How long a proxy skips an endpoint that refused a connection. */
  readonly ejectMs: number;
  onRetry(reason: string): void;
}

/** Errors that mean the request never reached the application: safe to send elsewhere. */
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** A pooled keep-alive connection the peer closed under us; the request may not have been read. */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export class UpstreamExchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  /** Upstream status once its response began; 0 before. */
  private status = 0;
  private readonly tried: Endpoint[] = [];

  constructor(
    private readonly ctx: ExchangeContext,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly cluster: Cluster,
    private readonly options: Dispatcher.DispatchOptions,
    /** Idempotent and bodiless: may be re-sent to another endpoint after a connection failure. */
    private readonly retryable: boolean,
    /** Client span of the whole exchange, retries included. */
    private readonly span: Span,
    private readonly responseHeaders: HeaderModifier | undefined,
  ) {
    res.once('close', this.onDownstreamClose);
  }

  send(endpoint: Endpoint): void {
    this.tried.push(endpoint);
    this.ctx.pools.get(endpoint.origin).dispatch(this.options, this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.res.destroyed) controller.abort(new Error('downstream closed'));
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    if (statusCode < 200) return; // 1xx informational: this hop answers its own `expect`.
    this.status = statusCode;
    const out = downstreamResponseHeaders(headers);
    this.responseHeaders?.applyToHeaders(out);
    this.res.writeHead(statusCode, statusMessage, out);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.res.write(chunk)) {
      controller.pause();
      this.res.once('drain', this.resumeUpstream);
    }
  }

  onResponseEnd(): void {
    this.res.end();
    endHttpSpan(this.span, this.status, SpanKind.CLIENT);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const retry = this.status === 0 && this.retryable && !this.res.destroyed;
    if (retry && this.retryOnOther(code)) return;
    endHttpSpan(this.span, this.status, SpanKind.CLIENT, error.message);
    if (this.res.destroyed) return;
    sendLocalReply(this.res, reasonFor(code), `${this.cluster.key}: ${error.message}`);
  }

  private retryOnOther(code: string): boolean {
    const refused = CONNECT_FAILURES.has(code);
    if (!refused && !STALE_CONNECTION.has(code)) return false;
    const failed = this.tried[this.tried.length - 1];
    if (refused) this.cluster.eject(failed, this.ctx.ejectMs);
    const next = this.cluster.pick(this.tried);
    if (!next) return false;
    this.ctx.onRetry(refused ? 'connect_failure' : 'stale_connection');
    this.send(next);
    return true;
  }

  private readonly resumeUpstream = (): void => {
    this.controller?.resume();
  };

  private readonly onDownstreamClose = (): void => {
    if (!this.res.writableFinished) this.controller?.abort(new Error('downstream closed'));
    this.req.resume();
  };
}

function reasonFor(code: string): LocalReplyReason {
  if (TIMEOUTS.has(code)) return 'upstream_timeout';
  if (CONNECT_FAILURES.has(code)) return 'upstream_connect_failure';
  if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') return 'bad_request';
  return 'upstream_reset';
}
