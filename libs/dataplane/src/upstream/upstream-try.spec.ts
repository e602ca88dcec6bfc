// Unit spec for one try upstream, on fake timers against scripted endpoints: what it is sent with,
// its per-try timeout until the answer's headers, and one client span per try.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { SpanKind } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { HeaderModifier } from '../filters/header-modifier.js';
import { fakeExchange, fakeRequest, recordedResponse } from '../http/http-doubles.testing.js';
import type { ExchangePolicy } from '../routing/route-table.js';
import { HopTracer } from '../telemetry/hop-tracer.js';
import { answer, stallBody, type ScriptedUpstream } from './scripted-upstream.testing.js';
import {
  A,
  B,
  fakeTime,
  realTime,
  RETRY_503,
  ScriptedService,
} from './upstream-doubles.testing.js';

/** Pairs of a flat `[name, value, …]` header list. */
function pairs(flat: unknown): [string, string][] {
  const list = flat as string[];
  const out: [string, string][] = [];
  for (let i = 0; i < list.length; i += 2) out.push([list[i], list[i + 1]]);
  return out;
}

describe('UpstreamTry', () => {
  let svc: ScriptedService;
  let upstream: ScriptedUpstream;

  beforeEach(() => {
    fakeTime();
    svc = new ScriptedService();
    upstream = svc.upstream;
  });

  afterEach(realTime);

  /** Starts one GET exchange to `/new?q=1` through the upstream half. */
  const send = (policy: ExchangePolicy, headers: Record<string, string> = {}) =>
    svc.send(policy, fakeExchange(fakeRequest({ headers }), recordedResponse()), '/new?q=1');

  it('sends a try to the picked endpoint with the path, forwarded headers, rewrites and timeouts', () => {
    const policy: ExchangePolicy = {
      timeoutMs: 15_000,
      hostRewrite: 'rewritten.test',
      requestHeaders: new HeaderModifier({ set: [{ name: 'x-env', value: 'prod' }] }),
    };
    const res = send(policy, { host: 'api', 'x-env': 'dev', connection: 'close' });
    jest.advanceTimersByTime(0);
    expect(res.status).toBe(200);
    const [attempt] = upstream.attempts;
    expect(attempt.origin).toBe(A.origin);
    expect(attempt.options).toMatchObject({
      path: '/new?q=1',
      method: 'GET',
      body: null,
      headersTimeout: 15_000,
      bodyTimeout: 60_000,
    });
    const sent = pairs(attempt.options.headers);
    const get = (name: string) => sent.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
    expect(get('host')).toEqual(['rewritten.test']);
    expect(get('x-env')).toEqual(['prod']);
    expect(get('connection')).toEqual([]);
    expect(get('x-weft-caller')).toEqual(['shop/web']);
    expect(get('x-forwarded-for')).toEqual(['10.0.0.1']);
  });

  it('times a short per-try timeout itself, leaving undici’s off', () => {
    send({ timeoutMs: 300 });
    expect(upstream.attempts[0].options.headersTimeout).toBe(0);
  });

  it('gives every try a client span of its own under the server span, a resend numbered', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('spec');
    const traced = new ScriptedService([A, B], new HopTracer(tracer));
    traced.scriptAll(answer(503)).upstream.script(B.origin, answer(200));
    const server = tracer.startSpan('GET', { kind: SpanKind.SERVER });
    const ex = fakeExchange();
    Object.assign(ex, { span: server });
    traced.send(RETRY_503, ex);
    jest.runAllTimers();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => [s.kind, s.attributes['http.response.status_code']])).toEqual([
      [SpanKind.CLIENT, 503],
      [SpanKind.CLIENT, 200],
    ]);
    expect(spans.map((s) => s.parentSpanContext?.spanId)).toEqual([
      server.spanContext().spanId,
      server.spanContext().spanId,
    ]);
    expect(spans.map((s) => s.attributes['http.request.resend_count'])).toEqual([undefined, 1]);
    // Each try names its own span as the next hop's parent.
    const parents = traced.upstream.attempts.map(
      (t) => pairs(t.options.headers).find(([n]) => n === 'traceparent')?.[1],
    );
    expect(parents).toEqual(
      spans.map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`),
    );
  });

  describe('per-try timeout (backendRequest)', () => {
    it('retries a try that timed out on the other endpoint, on time', () => {
      upstream.script(A.origin, answer(200, 2_000)).script(B.origin, answer(200, 0, 'from b'));
      const res = send({ ...RETRY_503, timeoutMs: 200 });
      jest.advanceTimersByTime(200);
      expect(upstream.attempts[0].aborted).toBe(true);
      // The backoff, then b's answer (a timer set while the clock ticks runs 1 ms later).
      jest.advanceTimersByTime(11);
      expect([res.status, res.body, upstream.tried]).toEqual([200, 'from b', [A.origin, B.origin]]);
      expect(svc.ctx.retries).toEqual(['status_504']);
    });

    it('says which limit kept a timed-out try from being retried', () => {
      svc.configure({ retryBudget: { ratio: 0, minPerSecond: 0, ttlMs: 10_000 } });
      svc.scriptAll(answer(200, 1_000));
      const res = send({ ...RETRY_503, timeoutMs: 100 });
      jest.advanceTimersByTime(100);
      expect([res.status, res.sentHeaders['x-weft-overflow']]).toEqual([504, 'retry_budget']);
    });

    it('stops counting once the answer began: a slow body is not cut by it (Envoy)', () => {
      svc.scriptAll(stallBody(1_000));
      const res = send({ timeoutMs: 200 });
      jest.advanceTimersByTime(1_000);
      expect([res.status, res.body, res.writableFinished]).toEqual([200, 'firstrest', true]);
    });
  });
});
