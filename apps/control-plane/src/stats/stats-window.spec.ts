// The stats window: per-Service, per-edge and per-route aggregation, merged quantiles, expiry, rates.
import { describe, expect, it } from '@jest/globals';
import { SNAPSHOT_LATENCY_BOUNDS_MS, type EdgeStats, type MetricsSnapshot } from '@app/protocol';
import { StatsWindow } from './stats-window.js';

const WINDOW_MS = 30_000;
const INTERVAL_MS = 5_000;

/** Latency buckets with `n` observations in the bucket whose upper bound is `le` ms. */
function buckets(...counts: [le: number, n: number][]): number[] {
  const list = new Array<number>(SNAPSHOT_LATENCY_BOUNDS_MS.length + 1).fill(0);
  for (const [le, n] of counts) list[SNAPSHOT_LATENCY_BOUNDS_MS.indexOf(le as never)] += n;
  return list;
}

function edge(
  direction: EdgeStats['direction'],
  source: string,
  destination: string,
  requests: number,
  failures = 0,
  route?: string,
): EdgeStats {
  return {
    direction,
    source,
    destination,
    route,
    requests,
    failures,
    latencyBuckets: buckets([5, requests]),
  };
}

function snapshot(proxyId: string, service: string, edges: EdgeStats[]): MetricsSnapshot {
  return {
    v: 1,
    proxyId,
    mode: 'sidecar',
    namespace: 'default',
    service,
    windowMs: INTERVAL_MS,
    sentAt: 0,
    edges,
  };
}

describe('StatsWindow', () => {
  it('adds up a Service from the inbound edges of all its proxies', () => {
    const w = new StatsWindow(WINDOW_MS, 1_000);
    w.add(snapshot('api-1', 'api', [edge('inbound', 'unknown', 'default/api', 40, 4)]), 5_000);
    w.add(snapshot('api-2', 'api', [edge('inbound', 'default/web', 'default/api', 10)]), 5_000);
    const { services, edges } = w.stats(5_000);
    expect(services).toEqual([
      expect.objectContaining({ service: 'default/api', requests: 50, rps: 10, successRate: 0.92 }),
    ]);
    expect(edges).toEqual([]);
  });

  it('counts an instance for every Service selecting it, or for its own name when none does', () => {
    const w = new StatsWindow(WINDOW_MS, 1_000);
    w.add(snapshot('api-1', 'api', [edge('inbound', 'default/web', 'default/api', 30)]), 5_000);
    w.add(snapshot('api-2', 'api', [edge('inbound', 'default/web', 'default/api', 10, 5)]), 5_000);
    w.add(snapshot('api-3', 'api', [edge('inbound', 'default/web', 'default/api', 1)]), 5_000);
    const selecting = new Map([
      ['api-1', ['default/api', 'default/api-v1']],
      ['api-2', ['default/api', 'default/api-v2']],
    ]);
    const { services } = w.stats(5_000, (proxyId) => selecting.get(proxyId));
    expect(services.map((s) => [s.service, s.requests, s.successRate])).toEqual([
      ['default/api', 41, 36 / 41],
      ['default/api-v1', 30, 1],
      ['default/api-v2', 10, 0.5],
    ]);
  });

  it('takes edges and routes from outbound edges', () => {
    const w = new StatsWindow(WINDOW_MS, 1_000);
    w.add(
      snapshot('web-1', 'web', [
        edge('outbound', 'default/web', 'default/api-v1', 80, 0, 'default/api-split'),
        edge('outbound', 'default/web', 'default/api-v2', 20, 10, 'default/api-split'),
        edge('outbound', 'default/web', 'default/db', 5),
      ]),
      5_000,
    );
    w.add(
      snapshot('web-2', 'web', [
        edge('outbound', 'default/web', 'default/api-v1', 20, 0, 'default/api-split'),
      ]),
      5_000,
    );
    const { edges, routes } = w.stats(5_000);
    expect(edges.map((e) => [e.source, e.destination, e.requests, e.rps, e.successRate])).toEqual([
      ['default/web', 'default/api-v1', 100, 20, 1],
      ['default/web', 'default/api-v2', 20, 4, 0.5],
      ['default/web', 'default/db', 5, 1, 1],
    ]);
    expect(routes.map((r) => [r.route, r.destination, r.requests])).toEqual([
      ['default/api-split', 'default/api-v1', 100],
      ['default/api-split', 'default/api-v2', 20],
      [null, 'default/db', 5],
    ]);
  });

  it('takes quantiles from the merged bucket counts, not from averaged quantiles', () => {
    const w = new StatsWindow(WINDOW_MS, 1_000);
    const fast = {
      ...edge('inbound', 'unknown', 'default/api', 100),
      latencyBuckets: buckets([1, 100]),
    };
    const slow = {
      ...edge('inbound', 'unknown', 'default/api', 100),
      latencyBuckets: buckets([75, 100]),
    };
    w.add(snapshot('api-1', 'api', [fast]), 5_000);
    w.add(snapshot('api-2', 'api', [slow]), 5_000);
    const [api] = w.stats(5_000).services;
    // rank 100 of 200 ends the (0.5, 1] bucket; rank 198 is 98 % into (50, 75].
    expect(api.p50Ms).toBe(1);
    expect(api.p95Ms).toBeCloseTo(50 + 25 * 0.9, 10);
    expect(api.p99Ms).toBeCloseTo(74.5, 10);
  });

  it('adds up the snapshots of one proxy over the window and forgets what left it', () => {
    const w = new StatsWindow(WINDOW_MS, 1_000);
    for (const at of [5_000, 10_000, 15_000])
      w.add(snapshot('api-1', 'api', [edge('inbound', 'unknown', 'default/api', 50)]), at);
    expect(w.stats(15_000).services[0]).toMatchObject({ requests: 150, rps: 10 });
    // The snapshot received at 5 s leaves a 30 s window at 35 s; the others are 20 s old and more.
    expect(w.stats(35_000).services[0]).toMatchObject({ requests: 100 });
    expect(w.stats(45_001).services).toEqual([]);
  });

  it('lets the rate of a proxy that fell silent decay instead of freezing', () => {
    const w = new StatsWindow(WINDOW_MS, 1_000);
    w.add(snapshot('api-1', 'api', [edge('inbound', 'unknown', 'default/api', 50)]), 5_000);
    w.add(snapshot('api-1', 'api', [edge('inbound', 'unknown', 'default/api', 50)]), 10_000);
    expect(w.stats(12_000).services[0].rps).toBe(10);
    // 10 s reported, then 5 s overdue: 100 requests over 15 s.
    expect(w.stats(20_000).services[0].rps).toBeCloseTo(100 / 15, 10);
  });

  it('reports a key without requests with null success rate and latencies', () => {
    const w = new StatsWindow(WINDOW_MS, 1_000);
    w.add(snapshot('api-1', 'api', [edge('inbound', 'unknown', 'default/api', 0)]), 5_000);
    expect(w.stats(5_000).services[0]).toEqual({
      service: 'default/api',
      rps: 0,
      successRate: null,
      p50Ms: null,
      p95Ms: null,
      p99Ms: null,
      requests: 0,
    });
  });

  it('answers its window length', () => {
    expect(new StatsWindow(WINDOW_MS, 1_000).stats(0)).toEqual({
      windowMs: WINDOW_MS,
      services: [],
      edges: [],
      routes: [],
    });
  });

  it('keeps at most its bound of proxies and of snapshots each, exact rates still', () => {
    const w = new StatsWindow(WINDOW_MS, 2);
    const inbound = (n: number) => [edge('inbound', 'unknown', 'default/api', n)];
    for (const id of ['api-1', 'api-2', 'api-3']) w.add(snapshot(id, 'api', inbound(10)), 1_000);
    expect(w.stats(1_000).services[0]).toMatchObject({ requests: 20 });
    // 100 snapshots of 5 s each from api-1, all within the window: the newest SNAPSHOTS_PER_PROXY stay.
    for (let i = 0; i < 100; i++) w.add(snapshot('api-1', 'api', inbound(5)), 2_000);
    const api = w.stats(2_000).services[0];
    expect(api.requests).toBe(64 * 5 + 10);
    expect(api.rps).toBeCloseTo((64 * 5) / (64 * 5) + 10 / 5, 10);
    // Once api-2 left the window, a new proxy has room.
    w.add(snapshot('api-3', 'api', inbound(7)), 31_500);
    expect(w.stats(31_500).services[0].requests).toBe(64 * 5 + 7);
  });

  it("keeps the snapshots of another Service's proxy with the same id apart", () => {
    const w = new StatsWindow(WINDOW_MS, 10);
    w.add(snapshot('p-1', 'api', [edge('inbound', 'unknown', 'default/api', 10)]), 1_000);
    w.add(snapshot('p-1', 'web', [edge('inbound', 'unknown', 'default/web', 20)]), 1_000);
    // Each over its own 5 s: merged, each would count over 10 s, at half its rate.
    expect(w.stats(1_000).services.map((s) => [s.service, s.rps])).toEqual([
      ['default/api', 2],
      ['default/web', 4],
    ]);
  });
});
