// One server span per request a listener takes and one client span per upstream try (OpenTelemetry's
// HTTP client spans: one per physical request, a resend numbered by `http.request.resend_count`),
// each try's span a child of the server span, W3C context kept. A span the sampler never records is
// made without the SDK: its context only, for the next hop's `traceparent`.
import type { IncomingMessage } from 'node:http';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type SpanContext,
  type TraceFlags,
  type Tracer,
} from '@opentelemetry/api';
import { parseTraceParent, TraceState } from '@opentelemetry/core';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';
import type { TraceSampling } from '@app/runtime/trace-sampling.js';

/** What a client span is started under: the exchange's request and its server span. */
interface TracedExchange {
  readonly req: IncomingMessage;
  readonly span: Span;
}

/** A tracer whose sampler is not known: the SDK decides every span. */
const SDK_DECIDES: TraceSampling = { unrecorded: () => undefined };

export class HopTracer {
  private readonly ids = new RandomIdGenerator();

  constructor(
    private readonly tracer: Tracer,
    /** The spans `tracer`'s sampler never records (the process's `Tracing.sampling`). */
    private readonly sampling: TraceSampling = SDK_DECIDES,
  ) {}

  /** Starts the server span, child of the caller's `traceparent` when it sent a valid one. */
  server(req: IncomingMessage, listener: string): Span {
    const parsed = parseTraceParent(firstValue(req.headers.traceparent) ?? '');
    const parent = parsed && trace.isSpanContextValid(parsed) ? parsed : undefined;
    if (parent) {
      const state = firstValue(req.headers.tracestate);
      if (state) parent.traceState = new TraceState(state);
    }
    const flags = this.sampling.unrecorded(parent?.traceFlags);
    if (flags !== undefined) return this.unrecorded(parent, flags);
    const ctx = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
    const span = this.tracer.startSpan(req.method ?? 'GET', { kind: SpanKind.SERVER }, ctx);
    if (span.isRecording()) {
      span.setAttributes({
        'http.request.method': req.method ?? 'GET',
        'url.path': req.url ?? '/',
        'server.address': req.headers.host ?? '',
        'client.address': req.socket.remoteAddress ?? '',
        'weft.listener': listener,
      });
    }
    return span;
  }

  /**
   * Starts the client span of one upstream try under the exchange's server span: every try its
   * own span, siblings under one parent; `resendCount` is the try's number less one (0: the
   * first), set on a resend only, as OpenTelemetry's `http.request.resend_count`.
   */
  client(ex: TracedExchange, upstream: string, resendCount = 0): Span {
    const parent = ex.span.spanContext();
    const flags = this.sampling.unrecorded(parent.traceFlags);
    if (flags !== undefined) return this.unrecorded(parent, flags);
    const method = ex.req.method ?? 'GET';
    const ctx = trace.setSpan(ROOT_CONTEXT, ex.span);
    const span = this.tracer.startSpan(method, { kind: SpanKind.CLIENT }, ctx);
    if (span.isRecording()) {
      span.setAttributes({ 'http.request.method': method, 'weft.upstream': upstream });
      if (resendCount > 0) span.setAttribute('http.request.resend_count', resendCount);
    }
    return span;
  }

  /**
   * A span the sampler would not record, as the SDK makes it (a new span id in the parent's trace,
   * or a new trace) without a context, a sampler call or the SDK's checks: only its `SpanContext`.
   */
  private unrecorded(parent: SpanContext | undefined, traceFlags: TraceFlags): Span {
    return trace.wrapSpanContext({
      traceId: parent?.traceId ?? this.ids.generateTraceId(),
      spanId: this.ids.generateSpanId(),
      traceFlags,
      traceState: parent?.traceState,
    });
  }
}

/** Ends a span with the HTTP status it saw (0: no response), errors marked as OpenTelemetry says. */
export function endHttpSpan(
  span: Span,
  status: number,
  kind: SpanKind.SERVER | SpanKind.CLIENT,
  error?: string,
): void {
  if (span.isRecording()) {
    if (status > 0) span.setAttribute('http.response.status_code', status);
    const failed = status === 0 || status >= 500 || (kind === SpanKind.CLIENT && status >= 400);
    if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
  }
  span.end();
}

/** The W3C `traceparent` naming `span` as the parent of the next hop. */
export function traceparentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags & 1 ? '01' : '00'}`;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
