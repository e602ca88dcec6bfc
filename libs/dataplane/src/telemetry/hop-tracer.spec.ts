// Unit spec for the hop tracer: the server span joins the caller's W3C trace, each upstream try gets
// a client span of its own under it (a resend numbered), and spans end with their HTTP status; a
// sampled-out hop propagates its context without asking the SDK.
import { afterEach, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { processSampling } from '@app/runtime/trace-sampling.js';
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

describe('HopTracer, sampled out (parent-based, a ratio of 0)', () => {
  const { sampler, sampling } = processSampling(true, {
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0',
  });
  const sampledOut = new BasicTracerProvider({
    sampler,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  }).getTracer('spec');
  /** The spans the SDK was asked for. */
  let started = 0;
  const counting: Tracer = {
    startSpan: (...args: Parameters<Tracer['startSpan']>) => {
      started++;
      return sampledOut.startSpan(...args);
    },
    startActiveSpan: sampledOut.startActiveSpan.bind(sampledOut),
  };
  const hop = new HopTracer(counting, sampling);

  afterEach(() => {
    exporter.reset();
    started = 0;
  });

  /** The traceparent a request with `headers` sends upstream on its first try, and its server span. */
  function hopOf(headers: Record<string, string>): {
    server: Span;
    recording: boolean;
    sent: string;
  } {
    const req = fakeRequest({ headers });
    const server = hop.server(req, 'outbound');
    const client = hop.client({ req, span: server }, 'shop/api');
    const recording = server.isRecording() || client.isRecording();
    endHttpSpan(client, 200, SpanKind.CLIENT);
    endHttpSpan(server, 200, SpanKind.SERVER);
    return { server, recording, sent: traceparentOf(client) };
  }

  it('starts a trace for a caller that sent none, unsampled, without the SDK', () => {
    const { server, recording, sent } = hopOf({});
    const [, traceId, spanId, flags] = sent.split('-');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).toBe(server.spanContext().traceId);
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(spanId).not.toBe(server.spanContext().spanId);
    expect(flags).toBe('00');
    expect(recording).toBe(false);
    expect(started).toBe(0);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('keeps an unsampled caller’s trace (and tracestate) under a span id of its own, flags 00', () => {
    const { server, sent } = hopOf({
      traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-00`,
      tracestate: 'congo=t61rcWkgMzE',
    });
    const [, traceId, spanId, flags] = sent.split('-');
    expect([traceId, flags]).toEqual([CALLER_TRACE, '00']);
    expect(spanId).not.toBe(CALLER_SPAN);
    expect(server.spanContext().traceState?.serialize()).toBe('congo=t61rcWkgMzE');
    expect(started).toBe(0);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('records a sampled caller’s hop through the SDK, as before', () => {
    const { recording, sent } = hopOf({ traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` });
    expect(started).toBe(2);
    expect(recording).toBe(true);
    expect(sent).toMatch(new RegExp(`^00-${CALLER_TRACE}-[0-9a-f]{16}-01$`));
    expect(exporter.getFinishedSpans().map((s) => s.kind)).toEqual([
      SpanKind.CLIENT,
      SpanKind.SERVER,
    ]);
  });

  it('starts a new trace for a traceparent of zero ids, as the SDK does', () => {
    const zeros = `00-${'0'.repeat(32)}-${'0'.repeat(16)}-00`;
    const { sent } = hopOf({ traceparent: zeros });
    expect(sent.split('-')[1]).not.toBe('0'.repeat(32));
    expect(started).toBe(0);
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
