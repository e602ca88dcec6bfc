// SnapshotWindow: each snapshot carries the traffic since the previous one, merged per edge and HTTPRoute.
import { describe, expect, it } from '@jest/globals';
import { MetricsSnapshot, parseInto, SNAPSHOT_LATENCY_BOUNDS_MS } from '@app/protocol';
import type { CompiledRoute } from '../routing/route-table.js';
import { Cluster } from '../upstream/cluster.js';
import { bucketIndex, TrafficStats } from './traffic-stats.js';
import { SnapshotWindow } from './snapshot-window.js';

const identity = { proxyId: 'web-1', mode: 'sidecar' as const, namespace: 'shop', service: 'web' };

function route(name: string): CompiledRoute {
  return { name, backends: [], totalWeight: 0, mirrors: [], timeoutMs: 0 };
}

describe('SnapshotWindow', () => {
  it('sends deltas: requests, failures (5xx and no answer) and buckets since the last snapshot', () => {
    const stats = new TrafficStats('shop/web');
    const cluster = new Cluster('shop/api');
    const api = { name: cluster.key, cluster, cumulativeWeight: 1 };
    const window = new SnapshotWindow(stats, identity, 1_000);
    const rule0 = stats.outbound(route('HTTPRoute/shop/api#0'), api);
    const rule1 = stats.outbound(route('HTTPRoute/shop/api#1'), api);
    rule0.record('GET', 200, 1);
    rule0.record('GET', 503, 2);
    rule1.record('POST', 200, 40);
    rule1.record('POST', 0, 40);
    stats.unrouted.record('GET', 404, 0.1);

    const first = window.take(6_000);
    expect(first).toMatchObject({ ...identity, v: 1, windowMs: 5_000, sentAt: 6_000 });
    const toApi = first.edges.find((e) => e.destination === 'shop/api')!;
    // Both rules of one HTTPRoute are one edge on the wire.
    expect(toApi).toMatchObject({
      direction: 'outbound',
      source: 'shop/web',
      route: 'shop/api',
      requests: 4,
      failures: 2,
    });
    expect(toApi.latencyBuckets).toHaveLength(SNAPSHOT_LATENCY_BOUNDS_MS.length + 1);
    expect(toApi.latencyBuckets[bucketIndex(40)]).toBe(2);
    expect(toApi.latencyBuckets.reduce((a, b) => a + b, 0)).toBe(4);
    const unrouted = first.edges.find((e) => e.destination === 'unknown')!;
    expect(unrouted).toMatchObject({ requests: 1, failures: 0 });
    expect(unrouted.route).toBeUndefined();
    expect(parseInto(MetricsSnapshot, JSON.parse(JSON.stringify(first)), 'snapshot').ok).toBe(true);

    rule0.record('GET', 200, 1);
    const second = window.take(11_000);
    expect(second.windowMs).toBe(5_000);
    expect(second.edges).toEqual([
      expect.objectContaining({ destination: 'shop/api', requests: 1, failures: 0 }),
    ]);
    expect(window.take(16_000).edges).toEqual([]);
  });
});
