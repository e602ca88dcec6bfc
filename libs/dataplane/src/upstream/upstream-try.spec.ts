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
import { Cluster, type ClusterPolicy } from './cluster.js';
import { endpoint } from './endpoint.js';
import { answer, ScriptedUpstream, stallBody, type Script } from './scripted-upstream.testing.js';
import { forwardTo, RecordingContext } from './upstream-doubles.testing.js';

const a = endpoint('a', '10.0.0.1', 80);
const b = endpoint('b', '10.0.0.2', 80);

const RETRY_503: ExchangePolicy = {
  timeoutMs: 5_000,
  retry: { codes: new Set([503, 504]), attempts: 2, backoffMs: 10 },
};

/** Pairs of a flat `[name, value, …]` header list. */
function pairs(flat: unknown): [string, string][] {
  const list = flat as string[];
  const out: [string, string][] = [];
  for (let i = 0; i < list.length; i += 2) out.push([list[i], list[i + 1]]);
  return out;
}

describe('UpstreamTry', () => {
  let upstream: ScriptedUpstream;
  let ctx: RecordingContext;
  let cluster: Cluster;

  beforeEach(() => {
    jest.useFakeTimers();
    // No jitter: each backoff is the route's minimum.
    jest.spyOn(Math, 'random').mockReturnValue(0);
    upstream = new ScriptedUpstream();
    ctx = new RecordingContext(upstream);
    cluster = new Cluster('shop/api');
    cluster.setEndpoints([a, b]);
    configure({});
  });

  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  function configure(extra: Partial<ClusterPolicy>): void {
    cluster.configure({ loadBalancer: { type: 'RoundRobin' }, ...extra });
  }

  function scriptBoth(script: Script): void {
    upstream.script(a.origin, script).script(b.origin, script);
  }

  /** Starts one GET exchange through the upstream half. */
  function send(policy: ExchangePolicy, headers: Record<string, string> = {}) {
    const res = recordedResponse();
    forwardTo(ctx, fakeExchange(fakeRequest({ headers }), res), cluster, policy, '/new?q=1');
    return res;
  }

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
    expect(attempt.origin).toBe(a.origin);
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
    const traced = Object.assign(new RecordingContext(upstream), { tracer: new HopTracer(tracer) });
    scriptBoth(answer(503));
    upstream.script(b.origin, answer(200));
    const server = tracer.startSpan('GET', { kind: SpanKind.SERVER });
    const ex = fakeExchange();
    Object.assign(ex, { span: server });
    forwardTo(traced, ex, cluster, RETRY_503);
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
    const parents = upstream.attempts.map(
      (t) => pairs(t.options.headers).find(([n]) => n === 'traceparent')?.[1],
    );
    expect(parents).toEqual(
      spans.map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`),
    );
  });

  describe('per-try timeout (backendRequest)', () => {
    it('retries a try that timed out on the other endpoint, on time', () => {
      upstream.script(a.origin, answer(200, 2_000)).script(b.origin, answer(200, 0, 'from b'));
      const res = send({ ...RETRY_503, timeoutMs: 200 });
      jest.advanceTimersByTime(200);
      expect(upstream.attempts[0].aborted).toBe(true);
      // The backoff, then b's answer (a timer set while the clock ticks runs 1 ms later).
      jest.advanceTimersByTime(11);
      expect([res.status, res.body, upstream.tried]).toEqual([200, 'from b', [a.origin, b.origin]]);
      expect(ctx.retries).toEqual(['status_504']);
    });

    it('says which limit kept a timed-out try from being retried', () => {
      configure({ retryBudget: { ratio: 0, minPerSecond: 0, ttlMs: 10_000 } });
      scriptBoth(answer(200, 1_000));
      const res = send({ ...RETRY_503, timeoutMs: 100 });
      jest.advanceTimersByTime(100);
      expect([res.status, res.sentHeaders['x-weft-overflow']]).toEqual([504, 'retry_budget']);
    });

    it('stops counting once the answer began: a slow body is not cut by it (Envoy)', () => {
      scriptBoth(stallBody(1_000));
      const res = send({ timeoutMs: 200 });
      jest.advanceTimersByTime(1_000);
      expect([res.status, res.body, res.writableFinished]).toEqual([200, 'firstrest', true]);
    });
  });
});
