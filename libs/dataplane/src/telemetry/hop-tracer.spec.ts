// Unit spec for the hop tracer: the server span joins the caller's W3C trace, each upstream try gets
// a client span of its own under it (a resend numbered), and spans end with their HTTP status.
import { afterEach, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { fakeRequest } from '../http/http-doubles.testing.js';
import { endHttpSpan, HopTracer, traceparentOf } from './hop-tracer.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = new HopTracer(provider.getTracer('spec'));

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

/** The finished span `span` became. */
function finished(span: Span): ReadableSpan {
  return exporter
    .getFinishedSpans()
    .find((s) => s.spanContext().spanId === span.spanContext().spanId)!;
}

describe('HopTracer', () => {
  afterEach(() => exporter.reset());

  it('starts a server span in the caller’s trace, under its span, tracestate kept', () => {
    const req = fakeRequest({
      method: 'POST',
      url: '/orders',
      headers: {
        host: 'shop',
        traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
        tracestate: 'congo=t61rcWkgMzE',
      },
    });
    const span = tracer.server(req, 'outbound');
    endHttpSpan(span, 201, SpanKind.SERVER);
    const done = finished(span);
    expect(done.kind).toBe(SpanKind.SERVER);
    expect(done.spanContext().traceId).toBe(CALLER_TRACE);
    expect(done.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(done.spanContext().traceState?.serialize()).toBe('congo=t61rcWkgMzE');
    expect(done.attributes).toMatchObject({
      'http.request.method': 'POST',
      'url.path': '/orders',
      'server.address': 'shop',
      'client.address': '10.0.0.1',
      'weft.listener': 'outbound',
      'http.response.status_code': 201,
    });
    expect(done.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('starts a new trace for a caller that sent none, or an invalid traceparent', () => {
    for (const headers of [{}, { traceparent: 'garbage' }]) {
      const span = tracer.server(fakeRequest({ headers }), 'inbound');
      span.end();
      expect(finished(span).parentSpanContext).toBeUndefined();
    }
  });

  it('starts one client span per try, siblings under the server span, a resend numbered', () => {
    const req = fakeRequest();
    const server = tracer.server(req, 'outbound');
    const tries = [0, 1, 2].map((resend) =>
      tracer.client({ req, span: server }, 'shop/api', resend),
    );
    for (const span of tries) endHttpSpan(span, 503, SpanKind.CLIENT);
    const done = tries.map(finished);
    expect(done.map((s) => s.kind)).toEqual([SpanKind.CLIENT, SpanKind.CLIENT, SpanKind.CLIENT]);
    expect(new Set(done.map((s) => s.spanContext().spanId)).size).toBe(3);
    expect(done.map((s) => s.parentSpanContext?.spanId)).toEqual(
      Array(3).fill(server.spanContext().spanId),
    );
    expect(done.map((s) => s.attributes['http.request.resend_count'])).toEqual([undefined, 1, 2]);
    expect(done[0].attributes).toMatchObject({
      'http.request.method': 'GET',
      'weft.upstream': 'shop/api',
    });
  });

  it('names a client span as the next hop’s parent in W3C form, sampled flag kept', () => {
    const req = fakeRequest();
    const span = tracer.client({ req, span: tracer.server(req, 'outbound') }, 'shop/api');
    const { traceId, spanId } = span.spanContext();
    expect(traceparentOf(span)).toBe(`00-${traceId}-${spanId}-01`);
  });
});

describe('endHttpSpan', () => {
  afterEach(() => exporter.reset());

  /** The status code a span ends with for `status`, as a `kind` span. */
  function statusOf(status: number, kind: SpanKind.SERVER | SpanKind.CLIENT): SpanStatusCode {
    const span = provider.getTracer('spec').startSpan('GET', { kind });
    endHttpSpan(span, status, kind, 'why');
    return finished(span).status.code;
  }

  it('marks no answer and 5xx as errors on both sides, 4xx on the client side only', () => {
    expect(statusOf(0, SpanKind.SERVER)).toBe(SpanStatusCode.ERROR);
    expect(statusOf(502, SpanKind.SERVER)).toBe(SpanStatusCode.ERROR);
    expect(statusOf(404, SpanKind.SERVER)).toBe(SpanStatusCode.UNSET);
    expect(statusOf(404, SpanKind.CLIENT)).toBe(SpanStatusCode.ERROR);
    expect(statusOf(200, SpanKind.CLIENT)).toBe(SpanStatusCode.UNSET);
  });

  it('records the status code of an answer, none without one', () => {
    const span = provider.getTracer('spec').startSpan('GET');
    endHttpSpan(span, 0, SpanKind.CLIENT, 'connection refused');
    const done = finished(span);
    expect(done.attributes['http.response.status_code']).toBeUndefined();
    expect(done.status.message).toBe('connection refused');
  });
});
