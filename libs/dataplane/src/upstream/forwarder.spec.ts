// Unit spec for the forwarder against scripted endpoints: what a try is sent with, early replies, resends, mirrors.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { trace } from '@opentelemetry/api';
import type { IncomingHttpHeaders } from 'node:http';
import { HeaderModifier } from '../filters/header-modifier.js';
import { fakeRequest, recordedResponse } from '../http/http-doubles.testing.js';
import { ProxyMetrics } from '../metrics/proxy-metrics.js';
import { TrafficStats } from '../metrics/traffic-stats.js';
import type { ExchangePolicy } from '../routing/route-table.js';
import { HopTracer } from '../telemetry/hop-tracer.js';
import { Cluster } from './cluster.js';
import type { TrafficSettings } from './cluster-policy.js';
import { commitTraffic } from './cluster-policy.testing.js';
import { ClusterRegistry } from './cluster-registry.js';
import { endpoint } from './endpoint.js';
import { Forwarder } from './forwarder.js';
import type { PoolRegistry } from './pool-registry.js';
import { answer, ScriptedUpstream } from './scripted-upstream.testing.js';

const a = endpoint('a', '10.0.0.1', 80);
const shadowEndpoint = endpoint('s', '10.0.0.9', 80);
const POLICY: ExchangePolicy = { timeoutMs: 300 };
const RETRY: ExchangePolicy = {
  timeoutMs: 300,
  retry: { codes: new Set([503]), attempts: 1, backoffMs: 1 },
};

/** Pairs of a flat `[name, value, …]` header list. */
function pairs(flat: unknown): [string, string][] {
  const list = flat as string[];
  const out: [string, string][] = [];
  for (let i = 0; i < list.length; i += 2) out.push([list[i], list[i + 1]]);
  return out;
}

describe('Forwarder', () => {
  let upstream: ScriptedUpstream;
  let metrics: ProxyMetrics;
  let forwarder: Forwarder;
  let api: Cluster;
  let shadow: Cluster;

  beforeEach(() => {
    jest.useFakeTimers();
    upstream = new ScriptedUpstream();
    metrics = new ProxyMetrics(new TrafficStats('shop/web'), new ClusterRegistry());
    forwarder = new Forwarder(
      upstream as unknown as PoolRegistry,
      metrics,
      new HopTracer(trace.getTracer('spec')),
      { ejectMs: 5_000, bodyTimeoutMs: 60_000, caller: 'shop/web' },
    );
    api = new Cluster('shop/api');
    api.setEndpoints([a]);
    shadow = new Cluster('shop/shadow');
    shadow.setEndpoints([shadowEndpoint]);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  function configure(extra: Partial<TrafficSettings>): void {
    commitTraffic(api, { loadBalancer: { type: 'RoundRobin' }, ...extra });
  }

  function forward(
    method = 'GET',
    policy: ExchangePolicy = POLICY,
    headers: IncomingHttpHeaders = {},
  ) {
    const res = recordedResponse();
    forwarder.forward(fakeRequest({ method, headers }), res, api, policy, '/new?q=1');
    return res;
  }

  it('sends a try to the picked endpoint with the path, forwarded headers, rewrites and timeouts', () => {
    const policy: ExchangePolicy = {
      timeoutMs: 15_000,
      hostRewrite: 'rewritten.test',
      requestHeaders: new HeaderModifier({ set: [{ name: 'x-env', value: 'prod' }] }),
    };
    const res = forward('GET', policy, { host: 'api', 'x-env': 'dev', connection: 'close' });
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
    forward();
    expect(upstream.attempts[0].options.headersTimeout).toBe(0);
  });

  it('answers 503 no_endpoints for a Service without endpoints, sending nothing', () => {
    api.setEndpoints([]);
    const res = forward();
    expect([res.status, res.sentHeaders['x-weft-error']]).toEqual([503, 'no_endpoints']);
    expect(upstream.attempts).toHaveLength(0);
  });

  it('answers 503 x-weft-overflow: pending past maxPendingRequests, and counts it', () => {
    configure({
      limits: { maxConnections: 1, maxRequestsPerConnection: 0, maxPendingRequests: 0 },
    });
    upstream.script(a.origin, answer(200, 1_000));
    forward();
    const refused = forward();
    expect([refused.status, refused.sentHeaders['x-weft-overflow']]).toEqual([503, 'pending']);
    expect(upstream.attempts).toHaveLength(1);
    expect([...metrics.upstreamOverflows.entries()]).toEqual([['pending', 1]]);
    jest.advanceTimersByTime(1_000);
    expect(forward().headersSent).toBe(false); // the first one finished: room again
  });

  it('resends a bodiless idempotent request; a bodiless POST only where the policy allows it', () => {
    upstream.script(a.origin, answer(503));
    const tries = (method: string, headers: IncomingHttpHeaders = {}) => {
      const before = upstream.attempts.length;
      forward(method, RETRY, headers);
      jest.runAllTimers();
      return upstream.attempts.length - before;
    };
    expect(tries('GET')).toBe(2);
    expect(tries('POST')).toBe(1);
    expect(tries('PUT', { 'content-length': '5' })).toBe(1); // a body not copied cannot be resent
    configure({ retryNonIdempotent: true });
    expect(tries('POST')).toBe(2);
    expect([...metrics.upstreamRetries.entries()]).toEqual([['status_503', 2]]);
  });

  describe('mirror', () => {
    const mirror = (percent = 100, upgrade = false) => {
      const req = fakeRequest({ upgrade, headers: upgrade ? { upgrade: 'websocket' } : {} });
      forwarder.mirror(req, { cluster: shadow, percent }, POLICY, '/new');
    };

    it('sends a copy to the mirror, its answer dropped', () => {
      upstream.script(shadowEndpoint.origin, answer(500, 0, 'shadow'));
      mirror();
      jest.runAllTimers();
      expect(upstream.attempts.map((t) => [t.origin, t.options.path, t.done])).toEqual([
        [shadowEndpoint.origin, '/new', true],
      ]);
    });

    it('mirrors its percent of requests only', () => {
      const random = jest.spyOn(Math, 'random');
      random.mockReturnValueOnce(0.09);
      mirror(10);
      random.mockReturnValueOnce(0.1);
      mirror(10);
      expect(upstream.attempts).toHaveLength(1);
    });

    it('does not mirror an upgrade, nor to a mirror that resolves to no Service', () => {
      mirror(100, true);
      forwarder.mirror(fakeRequest(), { cluster: undefined, percent: 100 }, POLICY, '/');
      expect(upstream.attempts).toHaveLength(0);
    });
  });
});
