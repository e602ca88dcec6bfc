// One try upstream: a single dispatch to one endpoint, its answer streamed to the client with
// backpressure (or read and dropped when it is to be retried), its client span, and its per-try
// timeout until the answer's headers. What follows a try that passed no answer on is the retry
// layer's.
import type { OutgoingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { SpanKind, type Span } from '@opentelemetry/api';
import type { BusRoutes } from '../bus/bus-routes.js';
import type { Exchange } from '../exchange.js';
import { downstreamResponseHeaders, upstreamHeaders } from '../http/forward-headers.js';
import type { StepOutcome } from '../pipeline.js';
import {
  needsOwnTimer,
  RequestTimeoutError,
  TryTimeoutError,
  undiciHeadersTimeout,
} from '../resilience/try-timeout.js';
import { remainingMs } from '../resilience/request-deadline.js';
import { endHttpSpan, traceparentOf, type HopTracer } from '../telemetry/hop-tracer.js';
import { OVERFLOW_HEADER, type OverflowCount } from './admission.layer.js';
import type { Endpoint } from './endpoint.js';
import { isTimeout } from './endpoint-failure.js';
import { takeGrpcStatus } from './grpc-status.js';
import type { PoolRegistry } from './pool-registry.js';
import { firstBody, resendable, resendBody } from './request-body.js';
import {
  answerRetried,
  exchangeOver,
  failExchange,
  retryAfterDrop,
  tryFailed,
} from './retry.layer.js';

/** Where a try is dispatched: the origin's pool, or the bus for a Service whose transport is `bus`. */
export interface DispatcherSource {
  get(...args: Parameters<PoolRegistry['get']>): Pick<Dispatcher, 'dispatch'>;
}

/** What the upstream layers share, made once per forwarder. */
export interface UpstreamContext {
  readonly pools: DispatcherSource;
  readonly tracer: HopTracer;
  /** How long a proxy skips an endpoint that refused a connection. */
  readonly ejectMs: number;
  /** Idle time allowed between response body chunks. */
  readonly bodyTimeoutMs: number;
  /** `<namespace>/<service>` announced to the upstream as the caller (`x-weft-caller`); '' for none. */
  readonly caller: string;
  /** A retry was made, for this reason (the retries metric). */
  readonly retried: (reason: string) => void;
  readonly overflowed: OverflowCount;
  /** Services whose transport is `bus`: their tries go over NATS. */
  readonly bus?: BusRoutes;
}

/** Step: the first try, to the endpoint picked for it; the exchange is the upstream's from here. */
export function firstTry(ctx: UpstreamContext): (ex: Exchange) => StepOutcome {
  return (ex) => {
    ex.upstream = new UpstreamTry(ctx, ex);
    ex.upstream.send(ex.first!);
    return 'held';
  };
}

/**
 * The exchange's try in progress, one object for all its tries (a retry resets it and sends
 * again): undici's handler of each dispatch.
 */
export class UpstreamTry implements Dispatcher.DispatchHandler {
  /** The endpoint of the try in progress. */
  endpoint: Endpoint | undefined;
  /** Tries sent so far, this one included: a try's resend count is one less. */
  tries = 0;
  private controller: Dispatcher.DispatchController | undefined;
  /** Upstream status once this try's answer began; 0 before. */
  private status = 0;
  /** The answer is being read and dropped: it is retried once read. */
  private discarding = false;
  /** performance.now() when the try was sent. */
  private sentAt = 0;
  /** The try's own timeout, when undici's is too coarse for it (see try-timeout.ts). */
  private timer: NodeJS.Timeout | undefined;
  /** The client span of this try (one per physical request, as OpenTelemetry's HTTP client spans). */
  private span: Span | undefined;
  /** Response headers not yet sent (see onResponseStart), and the status message. */
  private held: OutgoingHttpHeaders | undefined;
  private heldMessage: string | undefined;
  /** A gRPC trailers-only answer's status, sent on as trailers. */
  private grpcStatus: OutgoingHttpHeaders | undefined;
  /** Resumes the upstream once the client drained; made the first time the client pushes back. */
  private resumeUpstream: (() => void) | undefined;

  constructor(
    readonly ctx: UpstreamContext,
    private readonly ex: Exchange,
  ) {}

  /** Sends a try to `endpoint`: the first one with the request's body, a resend with its copy. */
  send(endpoint: Endpoint): void {
    const ex = this.ex;
    const cluster = ex.cluster!;
    this.endpoint = endpoint;
    this.controller = undefined;
    this.status = 0;
    this.discarding = false;
    this.grpcStatus = undefined;
    cluster.acquire(endpoint);
    if (ex.edge) ex.edge = ex.edge.toward(endpoint);
    if (ex.notes) ex.notes.endpoint = endpoint.origin;
    const span = this.ctx.tracer.client(ex, cluster.key, this.tries);
    this.span = span;
    const options: Dispatcher.DispatchOptions = {
      path: ex.path,
      method: ex.req.method ?? 'GET',
      headers: upstreamHeaders(ex.req, ex.policy, traceparentOf(span), this.ctx.caller),
      body: this.tries === 0 ? firstBody(ex) : resendBody(ex),
      headersTimeout: undiciHeadersTimeout(ex.policy.timeoutMs),
      bodyTimeout: this.ctx.bodyTimeoutMs,
    };
    this.tries++;
    this.sentAt = performance.now();
    const tls = ex.callerTls ? ex.callerTls.instead(endpoint.tls) : endpoint.tls;
    this.ctx.pools.get(endpoint.origin, cluster.policy, tls).dispatch(options, this);
  }

  /** Aborts the try in flight; one still waiting for a connection sees why when it gets one. */
  abort(error: Error): void {
    this.controller?.abort(error);
  }

  /** The exchange failed for good between tries (no try in flight). */
  giveUp(error: Error & { code: string }): void {
    failExchange(this.ex, error, error.code);
  }

  /** The client is gone: the try in flight is aborted, the rest of the request body dropped. */
  downstreamClosed(): void {
    this.clearTimer();
    if (!this.ex.res.writableFinished) this.controller?.abort(new Error('downstream closed'));
    this.ex.req.resume();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    const ex = this.ex;
    if (ex.res.destroyed) controller.abort(new Error('downstream closed'));
    else if (ex.deadline?.expired) controller.abort(new RequestTimeoutError());
    // As undici's headers timeout: from when the try has a connection until its answer begins.
    else {
      const ms = this.ownTimeoutMs();
      if (ms > 0) this.timer = setTimeout(tryTimedOut, ms, this);
    }
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    if (statusCode < 200) return; // 1xx informational: this hop answers its own `expect`.
    this.clearTimer();
    this.status = statusCode;
    const ex = this.ex;
    const rtt = performance.now() - this.sentAt;
    ex.cluster!.record(this.endpoint!, statusCode, rtt);
    if (ex.notes) ex.notes.upstreamMs = rtt;
    if (answerRetried(ex, statusCode, headers['grpc-status'])) {
      // Read the answer to its end (the connection stays reusable), then try again.
      this.discarding = true;
      return;
    }
    const out = downstreamResponseHeaders(headers);
    this.grpcStatus = takeGrpcStatus(out);
    const refusal = ex.retry?.refusal;
    if (refusal) out[OVERFLOW_HEADER] = refusal;
    ex.policy.responseHeaders?.applyToHeaders(out);
    if (ex.replay) {
      // A gRPC call that may be resent: an answer with no message is a status, which the hop
      // before may have moved from headers to trailers; its headers wait to see which it is.
      this.held = out;
      this.heldMessage = statusMessage;
      return;
    }
    ex.res.writeHead(statusCode, statusMessage, out);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.discarding) return;
    if (this.held) this.flushHeld();
    const ex = this.ex;
    if (ex.notes) ex.notes.bytesOut += chunk.length;
    if (!ex.res.write(chunk)) {
      controller.pause();
      this.resumeUpstream ??= () => this.controller?.resume();
      ex.res.once('drain', this.resumeUpstream);
    }
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    const ex = this.ex;
    ex.cluster!.release(this.endpoint!);
    if (this.discarding) {
      this.discarding = false;
      this.endSpan();
      retryAfterDrop(ex);
      return;
    }
    if (this.held) {
      const grpcStatus = trailers['grpc-status'];
      if (grpcStatus !== undefined && answerRetried(ex, this.status, grpcStatus)) {
        this.held = undefined;
        this.endSpan();
        retryAfterDrop(ex);
        return;
      }
      this.flushHeld();
    }
    exchangeOver(ex);
    // gRPC's status travels in trailers (HTTP/2, or chunked HTTP/1.1; elsewhere Node drops them).
    if (hasAny(trailers)) ex.res.addTrailers(trailers);
    else if (this.grpcStatus) ex.res.addTrailers(this.grpcStatus);
    ex.res.end();
    this.endSpan();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const ex = this.ex;
    const cluster = ex.cluster!;
    this.clearTimer();
    cluster.release(this.endpoint!);
    // The client going away says nothing about the endpoint; anything else before an answer does.
    // A timeout also tells latency-aware balancing how slow the endpoint was.
    if (!ex.res.destroyed && this.status === 0) {
      const rtt = isTimeout(code) ? performance.now() - this.sentAt : undefined;
      cluster.record(this.endpoint!, 0, rtt);
    }
    const again = (this.status === 0 || this.discarding) && resendable(ex) && !ex.res.destroyed;
    this.discarding = false;
    this.endSpan(error.message);
    tryFailed(ex, error, code, again);
  }

  private flushHeld(): void {
    this.ex.res.writeHead(this.status, this.heldMessage, this.held);
    this.held = undefined;
  }

  /** Ends this try's span with the status it got (0: none), once. */
  private endSpan(error?: string): void {
    const span = this.span;
    if (span === undefined) return;
    this.span = undefined;
    endHttpSpan(span, this.status, SpanKind.CLIENT, error);
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * The per-try timer this try needs of its own, when undici's is too coarse for it; 0 for none. A
   * try that would outlast the request timeout is cut by the deadline instead.
   */
  private ownTimeoutMs(): number {
    const perTry = this.ex.policy.timeoutMs;
    return needsOwnTimer(perTry) && perTry < remainingMs(this.ex) ? perTry : 0;
  }

  /** The per-try timeout passed before the answer began (a timer callback). */
  timedOut(): void {
    this.timer = undefined;
    this.controller?.abort(new TryTimeoutError());
  }
}

function tryTimedOut(attempt: UpstreamTry): void {
  attempt.timedOut();
}

/** Whether `headers` has an entry (no array of keys built on the request path). */
function hasAny(headers: object | undefined): boolean {
  for (const _ in headers) return true;
  return false;
}
