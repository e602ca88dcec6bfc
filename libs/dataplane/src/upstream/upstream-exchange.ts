// One request's trip upstream: streams both bodies with backpressure, maps failures to local replies.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { SpanKind, type Span } from '@opentelemetry/api';
import { notesOf, type ExchangeNotes } from '../telemetry/exchange-notes.js';
import { endHttpSpan } from '../telemetry/hop-tracer.js';
import type { ExchangePolicy } from '../routing/route-table.js';
import { downstreamResponseHeaders } from '../http/forward-headers.js';
import { NO_RESPONDERS_CODE, sendLocalReply, type LocalReplyReason } from '../http/local-reply.js';
import type { Cluster } from './cluster.js';
import type { Endpoint } from './endpoint.js';
import type { PoolRegistry } from './pool-registry.js';
import { retryBackoffMs } from '../resilience/retry-backoff.js';
import {
  needsOwnTimer,
  REQUEST_TIMEOUT_CODE,
  RequestTimeoutError,
  TryTimeoutError,
} from '../resilience/try-timeout.js';
import { takeGrpcStatus } from './grpc-status.js';
import type { ReplayBody } from './replay-body.js';

/** Says which limit refused a request, or kept it from being retried (Envoy: x-envoy-overloaded). */
export const OVERFLOW_HEADER = 'x-weft-overflow';

/** Why a retry the route asked for was not made: a circuit breaker, or the retry budget. */
export type RetryRefusal = 'retries' | 'retry_budget';

/** Where a try is dispatched: the origin's pool, or the bus for a Service whose transport is `bus`. */
export interface DispatcherSource {
  get(...args: Parameters<PoolRegistry['get']>): Pick<Dispatcher, 'dispatch'>;
}

export interface ExchangeContext {
  readonly pools: DispatcherSource;
  /** How long a proxy skips an endpoint that refused a connection. */
  readonly ejectMs: number;
  onRetry(reason: string): void;
  /** A request refused, or a retry not made, because a limit was full. */
  onOverflow(reason: 'pending' | RetryRefusal): void;
}

const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** A failed TLS handshake (OpenSSL's verify results, Node's TLS errors). */
const TLS_FAILURE = /^ERR_TLS_|^ERR_SSL_|CERT|^UNABLE_TO_|^HOSTNAME_MISMATCH$/;

/** Whether an error means no connection was made, so the request never reached the application. */
export function isConnectFailure(code: string): boolean {
  return CONNECT_FAILURES.has(code) || TLS_FAILURE.test(code);
}
/** A pooled keep-alive connection the peer closed under us; the request may not have been read. */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', REQUEST_TIMEOUT_CODE]);

export class UpstreamExchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  /** Upstream status once its response began; 0 before. */
  private status = 0;
  /** The current answer is being read and dropped: its status is retried. */
  private discarding = false;
  /** Retries on status done so far (connection failures are not counted: nothing was served). */
  private retries = 0;
  private backoff: NodeJS.Timeout | undefined;
  /** This exchange holds one of the cluster's concurrent-retry slots (circuit breaker). */
  private retrySlot = false;
  /** Why the last retry asked for was not made: told to the client with the answer it gets. */
  private refusal: RetryRefusal | undefined;
  /** performance.now() when the try in progress was sent. */
  private sentAt = 0;
  /** The try's own timeout, when undici's is too coarse for it (see try-timeout.ts). */
  private tryTimer: NodeJS.Timeout | undefined;
  /** performance.now() at the start, when the route has a request timeout; 0 without one. */
  private readonly startedAt: number;
  /** The route's request timeout, over the whole exchange (see `onDeadline`). */
  private deadline: NodeJS.Timeout | undefined;
  /** The request timeout has passed: nothing more is tried, whatever time says. */
  private expired = false;
  /** The wait before the retry `mayRetry` just allowed. */
  private nextBackoffMs = 0;
  private readonly tried: Endpoint[] = [];
  /** The endpoint of the try in progress. */
  private current: Endpoint | undefined;
  private readonly notes: ExchangeNotes | undefined;
  /** Why the retry about to be made is made, for the retries metric. */
  private retryReason = '';
  /** Response headers not yet sent (see onResponseStart), and the status message. */
  private held: OutgoingHttpHeaders | undefined;
  private heldMessage: string | undefined;
  /** A gRPC trailers-only answer's status, sent on as trailers. */
  private grpcStatus: OutgoingHttpHeaders | undefined;

  constructor(
    private readonly ctx: ExchangeContext,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly cluster: Cluster,
    private options: Dispatcher.DispatchOptions,
    /**
     * Idempotent and bodiless, or with a `replay` copy of its body: may be sent again, to another
     * endpoint where there is one.
     */
    private readonly retryable: boolean,
    /** Client span of the whole exchange, retries included. */
    private readonly span: Span,
    private readonly policy: ExchangePolicy,
    /** The body kept for a resend; a retry waits for none, it needs the whole body copied. */
    private readonly replay?: ReplayBody,
  ) {
    res.once('close', this.onDownstreamClose);
    const requestTimeoutMs = policy.requestTimeoutMs ?? 0;
    this.startedAt = requestTimeoutMs > 0 ? performance.now() : 0;
    // A module function and `this` as its argument: no closure per exchange for a timer most never fire.
    if (requestTimeoutMs > 0) this.deadline = setTimeout(deadlineReached, requestTimeoutMs, this);
    this.notes = notesOf(req);
  }

  send(endpoint: Endpoint): void {
    this.tried.push(endpoint);
    this.current = endpoint;
    this.controller = undefined;
    this.cluster.acquire(endpoint);
    if (this.notes) this.notes.endpoint = endpoint.origin;
    this.sentAt = performance.now();
    this.ctx.pools.get(endpoint.origin, this.cluster.policy).dispatch(this.options, this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.res.destroyed) controller.abort(new Error('downstream closed'));
    else if (this.expired) controller.abort(new RequestTimeoutError());
    // As undici's headers timeout: from when the try has a connection until its answer begins.
    else {
      const ms = this.ownTimeoutMs();
      if (ms > 0) this.tryTimer = setTimeout(this.onTryTimeout, ms);
    }
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    if (statusCode < 200) return; // 1xx informational: this hop answers its own `expect`.
    this.clearTryTimer();
    this.status = statusCode;
    const rtt = performance.now() - this.sentAt;
    this.cluster.record(this.current!, statusCode, rtt);
    if (this.notes) this.notes.upstreamMs = rtt;
    if (this.mayRetry(statusCode, headers['grpc-status'])) {
      // Read the answer to its end (the connection stays reusable), then try again.
      this.discarding = true;
      return;
    }
    const out = downstreamResponseHeaders(headers);
    this.grpcStatus = takeGrpcStatus(out);
    if (this.refusal) out[OVERFLOW_HEADER] = this.refusal;
    this.policy.responseHeaders?.applyToHeaders(out);
    if (this.replay) {
      // A gRPC call that may be resent: an answer with no message is a status, which the hop
      // before may have moved from headers to trailers; its headers wait to see which it is.
      this.held = out;
      this.heldMessage = statusMessage;
      return;
    }
    this.res.writeHead(statusCode, statusMessage, out);
  }

  private flushHeld(): void {
    this.res.writeHead(this.status, this.heldMessage, this.held);
    this.held = undefined;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.discarding) return;
    if (this.held) this.flushHeld();
    if (this.notes) this.notes.bytesOut += chunk.length;
    if (!this.res.write(chunk)) {
      controller.pause();
      this.res.once('drain', this.resumeUpstream);
    }
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    this.cluster.release(this.current!);
    if (this.discarding) {
      this.discarding = false;
      this.retryAfterBackoff();
      return;
    }
    if (this.held) {
      const grpcStatus = trailers['grpc-status'];
      if (grpcStatus !== undefined && this.mayRetry(this.status, grpcStatus)) {
        this.held = undefined;
        this.retryAfterBackoff();
        return;
      }
      this.flushHeld();
    }
    this.finish();
    // gRPC's status travels in trailers (HTTP/2, or chunked HTTP/1.1; elsewhere Node drops them).
    if (hasAny(trailers)) this.res.addTrailers(trailers);
    else if (this.grpcStatus) this.res.addTrailers(this.grpcStatus);
    this.res.end();
    endHttpSpan(this.span, this.status, SpanKind.CLIENT);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    this.clearTryTimer();
    this.cluster.release(this.current!);
    // The client going away says nothing about the endpoint; anything else before an answer does.
    // A timeout also tells latency-aware balancing how slow the endpoint was.
    if (!this.res.destroyed && this.status === 0) {
      const rtt = TIMEOUTS.has(code) ? performance.now() - this.sentAt : undefined;
      this.cluster.record(this.current!, 0, rtt);
    }
    const retry =
      (this.status === 0 || this.discarding) && this.resendable() && !this.res.destroyed;
    this.discarding = false;
    if (retry && this.retryOnOther(code)) return;
    // A try that timed out is retried like a 504 answer (Envoy: per-try timeouts are retriable).
    if (retry && code === 'UND_ERR_HEADERS_TIMEOUT' && this.mayRetry(504)) {
      this.status = 504;
      this.retryAfterBackoff();
      return;
    }
    // A try whose connection dropped before an answer, with no other endpoint to take it at once
    // (over the bus, the subject is the one endpoint: NATS gives the retry another responder), is
    // retried like the 502 it would become (Gateway API's retry on connection errors).
    if (retry && STALE_CONNECTION.has(code) && this.mayRetry(502)) {
      this.status = 502;
      this.retryAfterBackoff();
      return;
    }
    this.fail(error, code);
  }

  /**
   * The route's request timeout has passed (a timer callback): the try in flight is aborted, so the
   * client gets 504 before its answer began and a reset after (a cut body must not pass for a whole
   * one); between tries, the retry waiting out its backoff is dropped and 504 answered.
   */
  onDeadline(): void {
    this.deadline = undefined;
    this.expired = true;
    if (this.backoff !== undefined) {
      clearTimeout(this.backoff);
      this.backoff = undefined;
      const error = new RequestTimeoutError();
      this.fail(error, error.code);
      return;
    }
    // Without a controller the try still waits for a connection: `onRequestStart` aborts it.
    this.controller?.abort(new RequestTimeoutError());
  }

  /** The exchange failed for good: its client gets a local reply (a reset, once headers are out). */
  private fail(error: Error, code: string): void {
    this.finish();
    endHttpSpan(this.span, this.status, SpanKind.CLIENT, error.message);
    if (this.res.destroyed) return;
    // A retry a limit refused is said here too, as on an answer passed on.
    const why = this.refusal && { [OVERFLOW_HEADER]: this.refusal };
    sendLocalReply(
      this.res,
      reasonFor(code),
      `${this.cluster.key}: ${error.message}`,
      undefined,
      why,
    );
  }

  /** The exchange is over: its retry slot and request timer go. */
  private finish(): void {
    this.releaseRetrySlot();
    if (this.deadline === undefined) return;
    clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  /**
   * Whether the route's retry policy resends an answer of `status` (or, for a Service with
   * `grpcRetry`, of a listed gRPC status in a trailers-only answer's headers, as Envoy), and the
   * cluster's limits let it: a concurrent-retry slot (circuit breaker) and the retry budget. A
   * refusal is counted and remembered for the client.
   */
  private mayRetry(status: number, grpcStatus?: string | string[]): boolean {
    const retry = this.policy.retry;
    const grpc =
      grpcStatus !== undefined && this.cluster.policy.grpcRetry?.codes.includes(Number(grpcStatus));
    const wanted =
      retry !== undefined &&
      this.resendable() &&
      (retry.codes.has(status) || grpc === true) &&
      this.retries < retry.attempts &&
      !this.res.destroyed &&
      !this.expired;
    if (!wanted) return false;
    this.retryReason = grpc ? `grpc_${String(grpcStatus)}` : `status_${status}`;
    // Gateway API: tries and retries together stay within the request timeout.
    this.nextBackoffMs = retryBackoffMs(retry.backoffMs, this.retries);
    if (this.remainingMs() <= this.nextBackoffMs) return false;
    this.releaseRetrySlot();
    const breaker = this.cluster.policy.breaker;
    if (breaker && !breaker.retryStarted()) return this.refuse('retries');
    this.retrySlot = breaker !== undefined;
    if (this.cluster.policy.retryBudget?.withdraw() === false) {
      this.releaseRetrySlot();
      return this.refuse('retry_budget');
    }
    return true;
  }

  private refuse(why: RetryRefusal): false {
    this.refusal = why;
    this.ctx.onOverflow(why);
    return false;
  }

  private releaseRetrySlot(): void {
    if (!this.retrySlot) return;
    this.retrySlot = false;
    this.cluster.policy.breaker?.retryFinished();
  }

  /** At least the route's `backoff` between tries (Gateway API), exponential, fully jittered above it. */
  private retryAfterBackoff(): void {
    const delay = this.nextBackoffMs;
    this.retries++;
    if (this.notes) this.notes.retries++;
    this.ctx.onRetry(this.retryReason);
    this.status = 0;
    this.backoff = setTimeout(() => {
      this.backoff = undefined;
      const headers = this.req.headers;
      if (!this.res.destroyed)
        this.resend(
          this.cluster.pick(this.tried, headers) ?? this.cluster.pick(undefined, headers)!,
        );
    }, delay);
  }

  private retryOnOther(code: string): boolean {
    const refused = isConnectFailure(code);
    if (!refused && !STALE_CONNECTION.has(code)) return false;
    const failed = this.tried[this.tried.length - 1];
    if (refused) this.cluster.eject(failed, this.ctx.ejectMs);
    const next = this.cluster.pick(this.tried, this.req.headers);
    if (!next) return false;
    this.ctx.onRetry(refused ? 'connect_failure' : 'stale_connection');
    if (this.notes) this.notes.retries++;
    this.resend(next);
    return true;
  }

  /** Whether the request can be sent again: by method and body, and its body copied whole. */
  private resendable(): boolean {
    return this.retryable && (this.replay === undefined || this.replay.complete);
  }

  /** Another try, with the copy of a body the first try read. */
  private resend(endpoint: Endpoint): void {
    if (this.replay) this.options = { ...this.options, body: this.replay.replay() };
    this.send(endpoint);
  }

  private readonly resumeUpstream = (): void => {
    this.controller?.resume();
  };

  private clearTryTimer(): void {
    if (this.tryTimer === undefined) return;
    clearTimeout(this.tryTimer);
    this.tryTimer = undefined;
  }

  /** Time left of the request timeout; Infinity without one. */
  private remainingMs(): number {
    if (this.startedAt === 0) return Infinity;
    return this.policy.requestTimeoutMs! - (performance.now() - this.startedAt);
  }

  /**
   * The per-try timer this try needs of its own, when undici's is too coarse for it; 0 for none. A
   * try that would outlast the request timeout is cut by `onDeadline` instead.
   */
  private ownTimeoutMs(): number {
    const perTry = this.policy.timeoutMs;
    return needsOwnTimer(perTry) && perTry < this.remainingMs() ? perTry : 0;
  }

  private readonly onTryTimeout = (): void => {
    this.tryTimer = undefined;
    this.controller?.abort(new TryTimeoutError());
  };

  private readonly onDownstreamClose = (): void => {
    clearTimeout(this.backoff);
    clearTimeout(this.deadline);
    this.clearTryTimer();
    if (this.backoff) this.releaseRetrySlot(); // a retry waiting out its backoff will never run
    if (!this.res.writableFinished) this.controller?.abort(new Error('downstream closed'));
    this.req.resume();
  };
}

function deadlineReached(exchange: UpstreamExchange): void {
  exchange.onDeadline();
}

/** Whether `headers` has an entry (no array of keys built on the request path). */
function hasAny(headers: object | undefined): boolean {
  for (const _ in headers) return true;
  return false;
}

function reasonFor(code: string): LocalReplyReason {
  if (TIMEOUTS.has(code)) return 'upstream_timeout';
  if (isConnectFailure(code)) return 'upstream_connect_failure';
  if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') return 'bad_request';
  if (code === NO_RESPONDERS_CODE) return 'no_responders';
  return 'upstream_reset';
}
