// Unit spec for the composed pipelines: the order of the steps and where each one stops a request.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HTTPRequestRedirectFilter } from '@app/protocol';
import { fakeRequest, recordedResponse, type RequestParts } from './http/http-doubles.testing.js';
import { TrafficStats } from './metrics/traffic-stats.js';
import { requestEdge } from './metrics/request-edge.js';
import { inboundPipeline, outboundPipeline } from './pipeline.js';
import { compilePathMatcher } from './routing/path-matcher.js';
import {
  RouteTable,
  VirtualHost,
  type CompiledMatch,
  type CompiledRoute,
  type ExchangePolicy,
} from './routing/route-table.js';
import { RouteTableHolder } from './routing/route-table-holder.js';
import { startNotes } from './telemetry/exchange-notes.js';
import { Cluster } from './upstream/cluster.js';
import type { FaultSettings, TrafficSettings } from './upstream/cluster-policy.js';
import { commitTraffic } from './upstream/cluster-policy.testing.js';
import type { Forwarder } from './upstream/forwarder.js';

/** A Service `shop/<name>` with `policy` added to round robin. */
function cluster(name: string, policy: Partial<TrafficSettings> = {}): Cluster {
  return commitTraffic(new Cluster(`shop/${name}`), {
    loadBalancer: { type: 'RoundRobin' },
    ...policy,
  });
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
  /** What reached the forwarder, in order: `mirror <service> <path>`, `forward <service> <path>`. */
  let steps: string[];
  let handler: (req: IncomingMessage, res: ServerResponse) => void;
  const stats = new TrafficStats('shop/web');

  beforeEach(() => {
    jest.useFakeTimers();
    steps = [];
    const forwarder = {
      forward: (
        _req: IncomingMessage,
        _res: ServerResponse,
        cl: Cluster,
        _p: ExchangePolicy,
        path: string,
      ) => steps.push(`forward ${cl.key} ${path}`),
      mirror: (
        _req: IncomingMessage,
        m: { cluster: Cluster | undefined },
        _p: ExchangePolicy,
        path: string,
      ) => steps.push(`mirror ${m.cluster?.key} ${path}`),
    } as unknown as Forwarder;
    const holder = new RouteTableHolder();
    holder.swap(table);
    handler = outboundPipeline(holder, forwarder, stats);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  function send(url: string, parts: RequestParts = {}) {
    const req = fakeRequest({ url, headers: { host: 'api' }, ...parts });
    const res = recordedResponse();
    handler(req, res);
    return { req, res };
  }

  it('sends the mirrors first, then the request, both to the rewritten path', () => {
    const { req, res } = send('/old/x?q=1');
    expect(steps).toEqual(['mirror shop/shadow /new/x?q=1', 'forward shop/api /new/x?q=1']);
    expect(res.headersSent).toBe(false);
    expect(requestEdge(req)).toBe(stats.outbound(OLD.route, OLD.route.backends[0]));
  });

  it('writes down the route and upstream of a logged exchange', () => {
    const req = fakeRequest({ url: '/old/x', headers: { host: 'api' } });
    const notes = startNotes(req);
    handler(req, recordedResponse());
    expect([notes.route, notes.upstream]).toEqual(['HTTPRoute/shop/api#/old', 'shop/api']);
  });

  it('answers 400 without a Host or absolute URL, 404 for an unknown host or path', () => {
    expect(send('/x', { headers: { host: undefined } }).res.status).toBe(400);
    expect(send('/x', { headers: { host: 'nowhere' } }).res.status).toBe(404);
    expect(send('/unrouted').res.status).toBe(404);
    expect(steps).toEqual([]);
  });

  it('redirects before picking a backend: nothing forwarded, nothing mirrored', () => {
    const { res } = send('/moved/a');
    expect([res.status, res.sentHeaders.location]).toEqual([301, 'https://api/moved/a']);
    expect(steps).toEqual([]);
  });

  it('answers 500 no_backend when every weight is 0', () => {
    expect(send('/weightless').res.sentHeaders['x-weft-error']).toBe('no_backend');
    expect(steps).toEqual([]);
  });

  it('a request the rate limit refuses is neither mirrored nor forwarded', () => {
    send('/limited');
    const refused = send('/limited').res;
    expect(refused.status).toBe(429);
    expect(steps).toEqual(['mirror shop/shadow /limited', 'forward shop/limited /limited']);
  });

  it('a request fault injection aborts is not mirrored', () => {
    const { res } = send('/abort');
    expect([res.status, res.sentHeaders['x-weft-error']]).toEqual([418, 'fault_abort']);
    expect(steps).toEqual([]);
  });

  it('a delayed request is mirrored and forwarded once its delay is over', () => {
    send('/delay/x');
    jest.advanceTimersByTime(199);
    expect(steps).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(steps).toEqual(['mirror shop/shadow /delay/x', 'forward shop/delaying /delay/x']);
  });

  it('delays before it aborts, as Envoy: the abort is answered after the delay', () => {
    const { res } = send('/both');
    expect(res.headersSent).toBe(false);
    jest.advanceTimersByTime(200);
    expect(res.status).toBe(503);
    expect(steps).toEqual([]);
  });

  it('a client that leaves during a delay is not forwarded', () => {
    const { res } = send('/delay/x');
    res.destroy();
    jest.advanceTimersByTime(200);
    expect(steps).toEqual([]);
  });

  it('sets x-forwarded-proto to the edge listener’s own scheme, whatever the client said', () => {
    const holder = new RouteTableHolder();
    holder.swap(table);
    const forwarder = { forward: jest.fn(), mirror: jest.fn() } as unknown as Forwarder;
    const edge = outboundPipeline(holder, forwarder, stats, (t, host) => t.host(host), 'https');
    const req = fakeRequest({
      url: '/moved/a',
      headers: { host: 'api', 'x-forwarded-proto': 'http' },
    });
    const res = recordedResponse();
    edge(req, res);
    expect(req.headers['x-forwarded-proto']).toBe('https');
    expect(res.sentHeaders.location).toBe('https://api/moved/a');
  });
});

describe('inboundPipeline', () => {
  it('forwards every request to the local app untouched, with no timeout of its own; HTTP/2 to the h2c app', () => {
    const forward = jest.fn<Forwarder['forward']>();
    const app = cluster('app');
    const h2c = cluster('app-h2c');
    const handler = inboundPipeline(
      app,
      { forward } as unknown as Forwarder,
      new TrafficStats('shop/api'),
      h2c,
    );
    const one = fakeRequest({ url: '/x?y=1', headers: { 'x-weft-caller': 'shop/web' } });
    handler(one, recordedResponse());
    handler(fakeRequest({ url: '/grpc', httpVersionMajor: 2 }), recordedResponse());
    expect(forward.mock.calls.map((c) => [c[2].key, c[3], c[4]])).toEqual([
      ['shop/app', { timeoutMs: 0 }, '/x?y=1'],
      ['shop/app-h2c', { timeoutMs: 0 }, '/grpc'],
    ]);
    expect(requestEdge(one)).toBeDefined();
  });
});
