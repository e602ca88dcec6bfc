// Unit spec for Cluster: picks, skips and ejections (outlier ones apart from refused connections' skips), panic mode, policies.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Cluster } from './cluster.js';
import { commitTraffic } from './cluster-policy.testing.js';
import { endpoint, type Endpoint } from './endpoint.js';

const a = endpoint('a', '10.0.0.1', 8080);
const b = endpoint('b', '10.0.0.2', 8080);
const c = endpoint('c', '10.0.0.3', 8080);

function cluster(...endpoints: Endpoint[]): Cluster {
  const cl = new Cluster('shop/reviews');
  cl.setEndpoints(endpoints);
  return cl;
}

/** Ids of the next `n` picks. */
function picks(cl: Cluster, n: number, tried?: readonly Endpoint[]): (string | undefined)[] {
  return Array.from({ length: n }, () => cl.pick(tried)?.instanceId);
}

describe('Cluster', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('has nothing to pick without endpoints', () => {
    expect(new Cluster('shop/none').pick()).toBeUndefined();
  });

  it('picks round robin in endpoint order', () => {
    expect(picks(cluster(a, b, c), 7)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('skips endpoints already tried by this request, without losing its place', () => {
    const cl = cluster(a, b, c);
    expect(cl.pick([a])?.instanceId).toBe('b');
    expect(cl.pick([a])?.instanceId).toBe('c');
    expect(cl.pick([a])?.instanceId).toBe('b');
    expect(cl.pick()?.instanceId).toBe('c');
  });

  it('returns undefined once every endpoint was tried', () => {
    expect(cluster(a, b).pick([a, b])).toBeUndefined();
  });

  it('skips an ejected endpoint until its ejection time has passed', () => {
    const cl = cluster(a, b, c);
    cl.eject(b, 5_000);
    expect(picks(cl, 4)).toEqual(['a', 'c', 'a', 'c']);
    jest.advanceTimersByTime(4_999);
    expect(picks(cl, 2)).toEqual(['a', 'c']);
    jest.advanceTimersByTime(1);
    expect(picks(cl, 3)).toEqual(['a', 'b', 'c']);
  });

  it('ejects by origin, so a re-created endpoint object for the same address is skipped too', () => {
    const cl = cluster(a, b);
    cl.eject(a, 1_000);
    cl.setEndpoints([endpoint('a', '10.0.0.1', 8080), b]);
    expect(picks(cl, 2)).toEqual(['b', 'b']);
  });

  it('still returns an endpoint when every one is ejected (panic mode)', () => {
    const cl = cluster(a, b);
    cl.eject(a, 10_000);
    cl.eject(b, 10_000);
    expect(cl.pick()).toBeDefined();
  });

  it('keeps rotating through ejected endpoints in panic mode', () => {
    const cl = cluster(a, b, c);
    for (const ep of [a, b, c]) cl.eject(ep, 10_000);
    expect(picks(cl, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('in panic mode still honours the endpoints already tried', () => {
    const cl = cluster(a, b);
    cl.eject(a, 10_000);
    cl.eject(b, 10_000);
    expect(cl.pick([a])?.instanceId).toBe('b');
    expect(cl.pick([a, b])).toBeUndefined();
  });

  it('prefers a healthy endpoint over the panic fallback', () => {
    const cl = cluster(a, b, c);
    cl.eject(a, 10_000);
    cl.eject(c, 10_000);
    expect(picks(cl, 3)).toEqual(['b', 'b', 'b']);
  });

  it('keeps picking valid endpoints after the set shrinks', () => {
    const cl = cluster(a, b, c);
    expect(picks(cl, 2)).toEqual(['a', 'b']);
    cl.setEndpoints([a]);
    expect(picks(cl, 3)).toEqual(['a', 'a', 'a']);
    cl.setEndpoints([b, c]);
    const seen = picks(cl, 4);
    expect(seen.every((id) => id === 'b' || id === 'c')).toBe(true);
    expect(new Set(seen)).toEqual(new Set(['b', 'c']));
    expect(cl.size).toBe(2);
  });

  it('has nothing to pick after the set becomes empty', () => {
    const cl = cluster(a, b);
    cl.pick();
    cl.setEndpoints([]);
    expect(cl.pick()).toBeUndefined();
  });

  describe('policies', () => {
    const outlier = {
      consecutive5xx: 2,
      consecutiveGatewayErrors: 0,
      baseEjectionMs: 10_000,
      intervalMs: 10_000,
      maxEjectionMs: 300_000,
      maxEjectionPercent: 50,
    };

    it('ejects an endpoint outlier detection trips on, and takes it back after the ejection time', () => {
      const cl = cluster(a, b, c);
      commitTraffic(cl, { loadBalancer: { type: 'RoundRobin' }, outlier });
      cl.record(b, 503);
      cl.record(b, 500);
      expect(picks(cl, 4)).toEqual(['a', 'c', 'a', 'c']);
      jest.advanceTimersByTime(10_001);
      expect(picks(cl, 3)).toEqual(['a', 'b', 'c']);
    });

    it('never ejects more than maxEjectionPercent of the endpoints (one always may be)', () => {
      const cl = cluster(a, b, c);
      commitTraffic(cl, {
        loadBalancer: { type: 'RoundRobin' },
        outlier: { ...outlier, maxEjectionPercent: 34 },
      });
      for (const ep of [a, b]) {
        cl.record(ep, 500);
        cl.record(ep, 500);
      }
      expect(new Set(picks(cl, 6))).toEqual(new Set(['b', 'c']));
    });

    it('ejects for longer when an endpoint fails again soon, shorter again once it stayed healthy', () => {
      const cl = cluster(a, b);
      commitTraffic(cl, { loadBalancer: { type: 'RoundRobin' }, outlier });
      const ejectedFor = (): number => {
        cl.record(a, 500);
        cl.record(a, 500);
        let ms = 0;
        while (!picks(cl, 2).includes('a')) {
          jest.advanceTimersByTime(1_000);
          ms += 1_000;
        }
        return ms;
      };
      expect(ejectedFor()).toBe(10_000);
      expect(ejectedFor()).toBe(20_000);
      jest.advanceTimersByTime(2 * outlier.intervalMs);
      expect(ejectedFor()).toBe(10_000);
    });

    it('a refused connection’s skip does not use up maxEjectionPercent: outlier detection still ejects', () => {
      const cl = cluster(a, b, c);
      commitTraffic(cl, {
        loadBalancer: { type: 'RoundRobin' },
        outlier: { ...outlier, maxEjectionPercent: 34 },
      });
      cl.eject(a, 5_000);
      cl.record(b, 500);
      cl.record(b, 500);
      expect(picks(cl, 3)).toEqual(['c', 'c', 'c']);
    });

    it('a refused connection’s skip never shortens an outlier ejection', () => {
      const cl = cluster(a, b);
      commitTraffic(cl, { loadBalancer: { type: 'RoundRobin' }, outlier });
      cl.record(a, 0);
      cl.record(a, 0);
      cl.eject(a, 1_000);
      jest.advanceTimersByTime(5_000);
      expect(picks(cl, 2)).toEqual(['b', 'b']);
      jest.advanceTimersByTime(5_000);
      expect(new Set(picks(cl, 2))).toEqual(new Set(['a', 'b']));
    });

    it('least request prefers the endpoint with fewer requests in flight', () => {
      const cl = cluster(a, b);
      commitTraffic(cl, { loadBalancer: { type: 'LeastRequest' } });
      cl.acquire(a);
      cl.acquire(a);
      expect(picks(cl, 20).every((id) => id === 'b')).toBe(true);
      cl.release(a);
      cl.release(a);
      cl.acquire(b);
      expect(picks(cl, 20).every((id) => id === 'a')).toBe(true);
    });

    it('consistent hash pins a key to one endpoint, and past a tried one to the next', () => {
      const cl = cluster(a, b, c);
      commitTraffic(cl, { loadBalancer: { type: 'ConsistentHash', header: 'X-User' } });
      const headers = { 'x-user': 'alice' };
      const first = cl.pick(undefined, headers)!;
      expect(picks(cl, 5).length).toBe(5);
      for (let i = 0; i < 5; i++) expect(cl.pick(undefined, headers)).toBe(first);
      const second = cl.pick([first], headers)!;
      expect(second).not.toBe(first);
      cl.eject(first, 10_000);
      expect(cl.pick(undefined, headers)).toBe(second);
    });

    it('keeps balancer state when a policy with the same balancer is applied again', () => {
      const cl = cluster(a, b);
      commitTraffic(cl, { loadBalancer: { type: 'LeastRequest' } });
      cl.acquire(a);
      commitTraffic(cl, { loadBalancer: { type: 'LeastRequest' }, faults: undefined });
      expect(picks(cl, 10).every((id) => id === 'b')).toBe(true);
    });

    it('builds a circuit breaker, retry budget and rate limiter only when configured', () => {
      const cl = cluster(a);
      expect([
        cl.policy.breaker,
        cl.policy.retryBudget,
        cl.policy.rateLimiter,
        cl.policy.poolVariant,
      ]).toEqual([undefined, undefined, undefined, undefined]);
      commitTraffic(cl, {
        loadBalancer: { type: 'RoundRobin' },
        limits: { maxConnections: 2, maxRequestsPerConnection: 100 },
        retryBudget: { ratio: 0.2, minPerSecond: 1, ttlMs: 10_000 },
        rateLimit: { maxTokens: 1, tokensPerFill: 1, fillIntervalMs: 1_000, per: 'Route' },
      });
      expect(cl.policy.poolVariant).toEqual({
        key: '2/100',
        connections: 2,
        maxRequestsPerConnection: 100,
      });
      expect(cl.policy.rateLimiter?.take('r')).toBe(0);
      expect(cl.policy.rateLimiter?.take('r')).toBeGreaterThan(0);
      cl.acquire(a);
      cl.acquire(a);
      expect(cl.policy.breaker?.pendingFull(a.origin)).toBe(false);
    });

    it('exposes the fault settings of its policy', () => {
      const cl = cluster(a);
      const faults = { delayPercent: 10, delayMs: 5, abortPercent: 20, abortStatus: 500 };
      commitTraffic(cl, { loadBalancer: { type: 'RoundRobin' }, faults });
      expect(cl.policy.faults).toEqual(faults);
    });
  });
});
