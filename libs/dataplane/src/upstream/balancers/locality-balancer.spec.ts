// Unit spec for locality load balancing in a Cluster: the best level while healthy, spillover as
// its endpoints are ejected (outlier detection included), fail back, retries, panic, distribute.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Cluster } from '../cluster.js';
import { commitTraffic } from '../cluster-policy.testing.js';
import type { TrafficSettings } from '../cluster-policy.js';
import { endpoint, type Endpoint } from '../endpoint.js';
import type { BalancerSettings } from './load-balancer.js';
import type { LocalitySettings } from './locality-levels.js';

const self = { cluster: 'east', region: 'us-east', zone: 'a' };
const failover: LocalitySettings = {
  mode: 'failover',
  self,
  parts: ['cluster', 'region', 'zone'],
};

let port = 9000;
function at(id: string, cluster: string, zone: string, region = 'us-east'): Endpoint {
  return endpoint(id, '10.0.0.1', port++, 'http', undefined, { cluster, region, zone });
}

// Two instances in the caller's zone, two in another zone of its cluster, two in another cluster.
const local = [at('a1', 'east', 'a'), at('a2', 'east', 'a')];
const zoneB = [at('b1', 'east', 'b'), at('b2', 'east', 'b')];
const remote = [at('w1', 'west', 'c', 'us-west'), at('w2', 'west', 'c', 'us-west')];

function cluster(
  locality: LocalitySettings,
  extra: Partial<TrafficSettings> = {},
  loadBalancer: BalancerSettings = { type: 'RoundRobin' },
  endpoints: readonly Endpoint[] = [...remote, ...zoneB, ...local],
): Cluster {
  const cl = new Cluster('shop/reviews');
  cl.setEndpoints(endpoints);
  return commitTraffic(cl, { loadBalancer, locality, ...extra });
}

/** Ids of the next `n` picks. */
function picks(cl: Cluster, n: number, tried?: readonly Endpoint[]): (string | undefined)[] {
  return Array.from({ length: n }, () => cl.pick(tried)?.instanceId);
}

/** The place (first letter of the id: a, b, w) of each of `n` picks with Math.random at `draw`. */
function placesAt(cl: Cluster, draw: number, n = 4): string[] {
  const random = jest.spyOn(Math, 'random').mockReturnValue(draw);
  try {
    return picks(cl, n).map((id) => id!.slice(0, 1));
  } finally {
    random.mockRestore();
  }
}

describe('LocalityBalancer', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it("sends everything to the caller's own zone while it is healthy, round robin within it", () => {
    expect(picks(cluster(failover), 5)).toEqual(['a1', 'a2', 'a1', 'a2', 'a1']);
  });

  it('keeps the level whole while the overprovisioning factor covers its losses', () => {
    const four = [...local, at('a3', 'east', 'a'), at('a4', 'east', 'a')];
    const cl = cluster(failover, {}, undefined, [...zoneB, ...four]);
    cl.eject(four[0], 10_000);
    // 3 of 4 healthy × 1.4 = 105%: the level takes every request, even at the highest draw.
    expect(new Set(placesAt(cl, 0.999))).toEqual(new Set(['a']));
  });

  it('spills over by priority load once the level is under 72% healthy: 1 of 2 ejected is 70/30', () => {
    const cl = cluster(failover);
    cl.eject(local[0], 10_000);
    expect(new Set(placesAt(cl, 0.69))).toEqual(new Set(['a']));
    expect(new Set(placesAt(cl, 0.7))).toEqual(new Set(['b']));
    expect(picks(cl, 4).filter((id) => id === 'a1')).toEqual([]);
  });

  it('fails over to the next level when every local endpoint is ejected, and back when they return', () => {
    const cl = cluster(failover);
    for (const e of local) cl.eject(e, 5_000);
    expect(picks(cl, 4)).toEqual(['b1', 'b2', 'b1', 'b2']);
    for (const e of zoneB) cl.eject(e, 5_000);
    expect(new Set(picks(cl, 4))).toEqual(new Set(['w1', 'w2']));
    jest.advanceTimersByTime(5_000);
    expect(new Set(picks(cl, 4))).toEqual(new Set(['a1', 'a2']));
  });

  it('counts outlier-ejected endpoints as unhealthy: 5xx from the local zone move traffic away', () => {
    const outlier = {
      consecutive5xx: 2,
      consecutiveGatewayErrors: 0,
      baseEjectionMs: 30_000,
      intervalMs: 10_000,
      maxEjectionMs: 300_000,
      maxEjectionPercent: 100,
    };
    const cl = cluster(failover, { outlier });
    for (const e of local) for (let i = 0; i < 2; i++) cl.record(e, 503);
    expect(new Set(picks(cl, 4))).toEqual(new Set(['b1', 'b2']));
    jest.advanceTimersByTime(30_000);
    expect(new Set(picks(cl, 4))).toEqual(new Set(['a1', 'a2']));
  });

  it('fails over when the local zone has no endpoints left in its set, and back when they rejoin', () => {
    const cl = cluster(failover);
    cl.setEndpoints([...remote, ...zoneB]);
    expect(new Set(picks(cl, 4))).toEqual(new Set(['b1', 'b2']));
    cl.setEndpoints([...remote, ...zoneB, ...local]);
    expect(new Set(picks(cl, 4))).toEqual(new Set(['a1', 'a2']));
  });

  it('retries on the next level once the level drawn has nothing left to try', () => {
    const cl = cluster(failover);
    expect(cl.pick(local)?.instanceId).toMatch(/^b/);
    expect(cl.pick([...local, ...zoneB])?.instanceId).toMatch(/^w/);
    expect(cl.pick([...local, ...zoneB, ...remote])).toBeUndefined();
  });

  it('ignores ejections when every endpoint is ejected (panic), from the best level', () => {
    const cl = cluster(failover);
    for (const e of [...local, ...zoneB, ...remote]) cl.eject(e, 5_000);
    expect(picks(cl, 2)).toEqual(['a1', 'a2']);
  });

  it('keeps the strategy of the Service within a level: consistent hash stays on one local endpoint', () => {
    const cl = cluster(failover, {}, { type: 'ConsistentHash', header: 'x-user' });
    const user = (id: string) => cl.pick(undefined, { 'x-user': id })?.instanceId;
    const first = user('u1');
    expect(first).toMatch(/^a/);
    expect([user('u1'), user('u1')]).toEqual([first, first]);
    for (let i = 0; i < 20; i++) expect(user(`u${i}`)).toMatch(/^a/);
  });

  it('with distribute, splits by the weights of the localities, each spread within itself', () => {
    const distribute: LocalitySettings = {
      mode: 'distribute',
      to: [
        { pattern: 'us-east/a', weight: 80 },
        { pattern: 'us-west/*', weight: 20 },
      ],
    };
    const cl = cluster(distribute);
    expect(new Set(placesAt(cl, 0.79))).toEqual(new Set(['a']));
    expect(new Set(placesAt(cl, 0.8))).toEqual(new Set(['w']));
    // Zone b matches no pattern: it gets nothing, as in Istio.
    expect(picks(cl, 50).filter((id) => id!.startsWith('b'))).toEqual([]);
  });

  it('with distribute, weighs a locality down by its health', () => {
    const distribute: LocalitySettings = {
      mode: 'distribute',
      to: [
        { pattern: 'us-east/a', weight: 50 },
        { pattern: 'us-west/*', weight: 50 },
      ],
    };
    const cl = cluster(distribute);
    cl.eject(local[0], 10_000);
    // us-east/a at 70% availability: 50 × 0.7 = 35 against 50, so a draw past 35/85 goes west.
    expect(new Set(placesAt(cl, 0.4))).toEqual(new Set(['a']));
    expect(new Set(placesAt(cl, 0.42))).toEqual(new Set(['w']));
  });

  it('keeps its levels and their state across a commit that changes nothing', () => {
    const cl = cluster(failover);
    const before = cl.policy.balancer;
    commitTraffic(cl, { loadBalancer: { type: 'RoundRobin' }, locality: failover });
    expect(cl.policy.balancer).toBe(before);
    commitTraffic(cl, { loadBalancer: { type: 'RoundRobin' } });
    expect(cl.policy.balancer).not.toBe(before);
    expect(new Set(picks(cl, 6))).toEqual(new Set(['a1', 'a2', 'b1', 'b2', 'w1', 'w2']));
  });
});
