// Unit spec for the composed pipelines: the order of the steps and where each one stops a request.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { HTTPRequestRedirectFilter } from '@app/protocol';
import { trace } from '@opentelemetry/api';
import type { Exchange } from './exchange.js';
import {
  fakeExchange,
  fakeRequest,
  recordedResponse,
  type RequestParts,
} from './http/http-doubles.testing.js';
import { ProxyMetrics } from './metrics/proxy-metrics.js';
import { TrafficStats } from './metrics/traffic-stats.js';
import { inboundPipeline, outboundPipeline, type ExchangeHandler } from './pipeline.js';
import { compilePathMatcher } from './routing/path-matcher.js';
import {
  RouteTable,
  VirtualHost,
  type CompiledMatch,
  type CompiledRoute,
} from './routing/route-table.js';
import { RouteTableHolder } from './routing/route-table-holder.js';
import { ExchangeNotes } from './telemetry/exchange-notes.js';
import { HopTracer } from './telemetry/hop-tracer.js';
import { Cluster } from './upstream/cluster.js';
import type { FaultSettings, TrafficSettings } from './upstream/cluster-policy.js';
import { commitTraffic } from './upstream/cluster-policy.testing.js';
import { ClusterRegistry } from './upstream/cluster-registry.js';
import { endpoint } from './upstream/endpoint.js';
import { Forwarder } from './upstream/forwarder.js';
import type { PoolRegistry } from './upstream/pool-registry.js';
import { ScriptedUpstream } from './upstream/scripted-upstream.testing.js';

/** Service keys by their one endpoint's origin, to name what reached the upstream. */
const serviceAt = new Map<string, string>();

/** A Service `shop/<name>` with one endpoint of its own and `policy` added to round robin. */
function cluster(name: string, policy: Partial<TrafficSettings> = {}): Cluster {
  const cl = new Cluster(`shop/${name}`);
  commitTraffic(cl, { loadBalancer: { type: 'RoundRobin' }, ...policy });
  const ep = endpoint(name, `10.0.1.${serviceAt.size + 1}`, 80);
  cl.setEndpoints([ep]);
  serviceAt.set(ep.origin, cl.key);
  return cl;
}

/** A forwarder over scripted endpoints (every one answers 200). */
function forwarderOver(upstream: ScriptedUpstream, stats: TrafficStats): Forwarder {
  return new Forwarder(
    upstream as unknown as PoolRegistry,
    new ProxyMetrics(stats, new ClusterRegistry()),
    new HopTracer(trace.getTracer('spec')),
  );
}

const faults = (f: Partial<FaultSettings>): Partial<TrafficSettings> => ({
  faults: { delayPercent: 0, delayMs: 0, abortPercent: 0, abortStatus: 503, ...f },
});

const api = cluster('api');
const shadow = cluster('shadow');

/** A rule under PathPrefix `prefix` to `backend` (weight 1; none for weight 0). */
function rule(prefix: string, backend: Cluster | undefined, extra: Partial<CompiledRoute> = {}) {
  const route: CompiledRoute = {
    name: `HTTPRoute/shop/api#${prefix}`,
    backends: backend ? [{ name: backend.key, cluster: backend, cumulativeWeight: 1 }] : [],
    totalWeight: backend ? 1 : 0,
    timeoutMs: 1_000,
    mirrors: [{ cluster: shadow, percent: 100 }],
    ...extra,
  };
  const match: CompiledMatch = {
    path: compilePathMatcher({ type: 'PathPrefix', value: prefix }),
    method: undefined,
    headers: [],
    query: [],
    route,
  };
  return match;
}

const OLD = rule('/old', api, {
  pathRewrite: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' },
});
const REDIRECT: HTTPRequestRedirectFilter = { scheme: 'https', statusCode: 301 };

const table = new RouteTable(
  1,
  new Map([
    [
      'api',
      new VirtualHost('api', [
        rule('/moved', api, { redirect: REDIRECT }),
        rule('/weightless', undefined),
        rule(
          '/limited',
          cluster('limited', {
            rateLimit: { maxTokens: 1, tokensPerFill: 1, fillIntervalMs: 60_000, per: 'Route' },
          }),
        ),
        rule('/abort', cluster('aborting', faults({ abortPercent: 100, abortStatus: 418 }))),
        rule('/delay', cluster('delaying', faults({ delayPercent: 100, delayMs: 200 }))),
        rule(
          '/both',
          cluster('both', faults({ delayPercent: 100, delayMs: 200, abortPercent: 100 })),
        ),
        OLD,
      ]),
    ],
  ]),
);

describe('outboundPipeline', () => {
  let upstream: ScriptedUpstream;
  let handler: ExchangeHandler;
  const stats = new TrafficStats('shop/web');

  /** What reached the upstream, in order: `mirror <service> <path>`, `forward <service> <path>`. */
  const steps = () =>
    upstream.attempts.map((t) => {
      const service = serviceAt.get(t.origin)!;
      return `${service === shadow.key ? 'mirror' : 'forward'} ${service} ${t.options.path}`;
    });

  beforeEach(() => {
    jest.useFakeTimers();
    upstream = new ScriptedUpstream();
    const holder = new RouteTableHolder();
    holder.swap(table);
    handler = outboundPipeline(holder, forwarderOver(upstream, stats), stats);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  function send(url: string, parts: RequestParts = {}) {
    const req = fakeRequest({ url, headers: { host: 'api' }, ...parts });
    const res = recordedResponse();
    const ex = fakeExchange(req, res);
    handler(ex);
    return { ex, req, res };
  }

  it('sends the mirrors first, then the request, both to the rewritten path', () => {
    const { ex, res } = send('/old/x?q=1');
    expect(steps()).toEqual(['mirror shop/shadow /new/x?q=1', 'forward shop/api /new/x?q=1']);
    expect(res.headersSent).toBe(false);
    expect(ex.edge).toBe(stats.outbound(OLD.route, OLD.route.backends[0]));
  });

  it('writes down the route and upstream of a logged exchange', () => {
    const req = fakeRequest({ url: '/old/x', headers: { host: 'api' } });
    const notes = new ExchangeNotes();
    handler(fakeExchange(req, recordedResponse(), notes));
    expect([notes.route, notes.upstream]).toEqual(['HTTPRoute/shop/api#/old', 'shop/api']);
  });

  it('answers 400 without a Host or absolute URL, 404 for an unknown host or path', () => {
    expect(send('/x', { headers: { host: undefined } }).res.status).toBe(400);
    expect(send('/x', { headers: { host: 'nowhere' } }).res.status).toBe(404);
    expect(send('/unrouted').res.status).toBe(404);
    expect(steps()).toEqual([]);
  });

  it('redirects before picking a backend: nothing forwarded, nothing mirrored', () => {
    const { res } = send('/moved/a');
    expect([res.status, res.sentHeaders.location]).toEqual([301, 'https://api/moved/a']);
    expect(steps()).toEqual([]);
  });

  it('answers 500 no_backend when every weight is 0', () => {
    expect(send('/weightless').res.sentHeaders['x-weft-error']).toBe('no_backend');
    expect(steps()).toEqual([]);
  });

  it('a request the rate limit refuses is neither mirrored nor forwarded', () => {
    send('/limited');
    const refused = send('/limited').res;
    expect(refused.status).toBe(429);
    expect(steps()).toEqual(['mirror shop/shadow /limited', 'forward shop/limited /limited']);
  });

  it('a request fault injection aborts is not mirrored', () => {
    const { res } = send('/abort');
    expect([res.status, res.sentHeaders['x-weft-error']]).toEqual([418, 'fault_abort']);
    expect(steps()).toEqual([]);
  });

  it('a delayed request is mirrored and forwarded once its delay is over', () => {
    send('/delay/x');
    jest.advanceTimersByTime(199);
    expect(steps()).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(steps()).toEqual(['mirror shop/shadow /delay/x', 'forward shop/delaying /delay/x']);
  });

  it('delays before it aborts, as Envoy: the abort is answered after the delay', () => {
    const { res } = send('/both');
    expect(res.headersSent).toBe(false);
    jest.advanceTimersByTime(200);
    expect(res.status).toBe(503);
    expect(steps()).toEqual([]);
  });

  it('a client that leaves during a delay is not forwarded', () => {
    const { res } = send('/delay/x');
    res.destroy();
    jest.advanceTimersByTime(200);
    expect(steps()).toEqual([]);
  });

  it('sets x-forwarded-proto to the edge listener’s own scheme, whatever the client said', () => {
    const holder = new RouteTableHolder();
    holder.swap(table);
    const forwarder = forwarderOver(upstream, stats);
    const edge = outboundPipeline(holder, forwarder, stats, (t, host) => t.host(host), 'https');
    const req = fakeRequest({
      url: '/moved/a',
      headers: { host: 'api', 'x-forwarded-proto': 'http' },
    });
    const res = recordedResponse();
    edge(fakeExchange(req, res));
    expect(req.headers['x-forwarded-proto']).toBe('https');
    expect(res.sentHeaders.location).toBe('https://api/moved/a');
  });
  it('answers 500 internal_error when a step throws (a bug), and routes nothing', () => {
    const holder = new RouteTableHolder();
    holder.swap(table);
    const failing = outboundPipeline(holder, forwarderOver(upstream, stats), stats, () => {
      throw new Error('boom');
    });
    const res = recordedResponse();
    failing(fakeExchange(fakeRequest({ url: '/old/x', headers: { host: 'api' } }), res));
    expect([res.status, JSON.parse(res.body)]).toEqual([
      500,
      { error: 'internal_error', message: 'proxy error: boom' },
    ]);
    expect(steps()).toEqual([]);
  });
});

describe('inboundPipeline', () => {
  it('forwards every request to the local app untouched, with no timeout of its own; HTTP/2 to the h2c app', () => {
    const upstream = new ScriptedUpstream();
    const stats = new TrafficStats('shop/api');
    const app = cluster('app');
    const h2c = cluster('app-h2c');
    const handler = inboundPipeline(app, forwarderOver(upstream, stats), stats, h2c);
    const one = fakeExchange(
      fakeRequest({ url: '/x?y=1', headers: { 'x-weft-caller': 'shop/web' } }),
    );
    const two = fakeExchange(fakeRequest({ url: '/grpc', httpVersionMajor: 2 }));
    handler(one);
    handler(two);
    expect([one, two].map((ex: Exchange) => [ex.cluster?.key, ex.policy, ex.path])).toEqual([
      ['shop/app', { timeoutMs: 0 }, '/x?y=1'],
      ['shop/app-h2c', { timeoutMs: 0 }, '/grpc'],
    ]);
    expect(upstream.attempts.map((t) => [serviceAt.get(t.origin), t.options.path])).toEqual([
      ['shop/app', '/x?y=1'],
      ['shop/app-h2c', '/grpc'],
    ]);
    expect(one.edge).toBe(stats.inbound('shop/web', undefined));
  });
});
