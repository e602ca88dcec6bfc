// TrafficStats: one edge per route/cluster and per caller, cells per method and status, fixed buckets.
import { describe, expect, it } from '@jest/globals';
import { SNAPSHOT_LATENCY_BOUNDS_MS } from '@app/protocol';
import type { CompiledRoute } from '../routing/route-table.js';
import { Cluster } from '../upstream/cluster.js';
import {
  bucketIndex,
  methodIndex,
  protocolIndex,
  TrafficStats,
  UNKNOWN_PEER,
} from './traffic-stats.js';

function route(name: string): CompiledRoute {
  return { name, backends: [], totalWeight: 0, mirrors: [], timeoutMs: 0 };
}

describe('TrafficStats', () => {
  it('puts a duration in the first bucket whose bound holds it, past the last in the overflow', () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(0.25)).toBe(0);
    expect(bucketIndex(0.26)).toBe(1);
    expect(bucketIndex(10_000)).toBe(SNAPSHOT_LATENCY_BOUNDS_MS.length - 1);
    expect(bucketIndex(10_001)).toBe(SNAPSHOT_LATENCY_BOUNDS_MS.length);
  });

  it('counts unknown methods as _OTHER', () => {
    expect(methodIndex('GET')).toBe(0);
    expect(methodIndex('BREW')).toBe(methodIndex('_OTHER'));
    expect(methodIndex(undefined)).toBe(methodIndex('_OTHER'));
  });

  it('keeps one edge per route name and cluster, across route objects of successive tables', () => {
    const stats = new TrafficStats('shop/web');
    const cluster = new Cluster('shop/api');
    const api = { name: cluster.key, cluster, cumulativeWeight: 1 };
    const first = stats.outbound(route('HTTPRoute/shop/api#0'), api);
    expect(stats.outbound(route('HTTPRoute/shop/api#0'), api)).toBe(first);
    expect(first).toMatchObject({
      direction: 'outbound',
      source: 'shop/web',
      destination: 'shop/api',
      httpRoute: 'shop/api',
    });
    expect(stats.outbound(route('default/shop/api'), api).httpRoute).toBeUndefined();
    expect(stats.outbound(route('HTTPRoute/shop/api#0'), undefined).destination).toBe(UNKNOWN_PEER);
  });

  it('records cells per method and status with counts, sums and buckets', () => {
    const stats = new TrafficStats('shop/api');
    const edge = stats.inbound('shop/web');
    edge.record('GET', 200, 0.2);
    edge.record('GET', 200, 3);
    edge.record('POST', 503, 20);
    const cells = [...edge.cells()];
    expect(cells.map((c) => [c.method, c.status, c.count])).toEqual([
      ['GET', 200, 2],
      ['POST', 503, 1],
    ]);
    expect(cells[0].sumMs).toBeCloseTo(3.2);
    expect(cells[0].buckets[0]).toBe(1);
    expect(cells[0].buckets[bucketIndex(3)]).toBe(1);
  });

  it('names an inbound caller only when the header is a well-formed <namespace>/<service>', () => {
    const stats = new TrafficStats('shop/api');
    expect(stats.inbound('shop/web').source).toBe('shop/web');
    expect(stats.inbound(undefined).source).toBe(UNKNOWN_PEER);
    expect(stats.inbound('DROP TABLE').source).toBe(UNKNOWN_PEER);
    expect(stats.inbound('DROP TABLE')).toBe(stats.inbound(undefined));
  });

  it('bounds the callers it tracks by name: a flood of made-up callers counts as unknown', () => {
    const stats = new TrafficStats('shop/api');
    for (let i = 0; i < 1_000; i++) stats.inbound(`ns/caller-${i}`);
    expect([...stats.all()].length).toBeLessThanOrEqual(258);
    expect(stats.inbound('ns/caller-999').source).toBe(UNKNOWN_PEER);
  });

  it("counts a node proxy's workloads as their own Services", () => {
    const stats = new TrafficStats('shop/node');
    const toCart = stats.inbound('shop/web', 'shop/cart');
    expect(toCart).toMatchObject({ source: 'shop/web', destination: 'shop/cart' });
    expect(stats.inbound('shop/web', 'shop/cart')).toBe(toCart);
    expect(stats.inbound('shop/web').destination).toBe('shop/node');
  });

  it('keeps scheme and HTTP version apart in cells, and names only the versions semconv does', () => {
    const edge = new TrafficStats('shop/api').inbound('shop/web');
    edge.record('GET', 200, 1, protocolIndex('1.1', false));
    edge.record('GET', 200, 1, protocolIndex('2.0', true));
    edge.record('GET', 200, 1, protocolIndex('0.9', false));
    expect([...edge.cells()].map((c) => [c.scheme, c.protocolVersion, c.count])).toEqual([
      ['http', '1.1', 1],
      ['https', '2', 1],
      ['http', undefined, 1],
    ]);
  });
});
