// Unit spec for clusterPolicy: defaults, the parts a TrafficPolicy builds, and which parts the next
// policy keeps (the same settings) or builds anew (changed ones), so their state survives or not.
import { describe, expect, it } from '@jest/globals';
import { clusterPolicy, DEFAULT_TRAFFIC, type TrafficSettings } from './cluster-policy.js';

const full: TrafficSettings = {
  loadBalancer: { type: 'LeastRequest' },
  outlier: {
    consecutive5xx: 0,
    consecutiveGatewayErrors: 3,
    baseEjectionMs: 30_000,
    intervalMs: 5_000,
    maxEjectionMs: 60_000,
    maxEjectionPercent: 20,
  },
  limits: { maxConnections: 2, maxRequestsPerConnection: 100 },
  retryBudget: { ratio: 0.2, minPerSecond: 1, ttlMs: 10_000 },
  rateLimit: { maxTokens: 1, tokensPerFill: 1, fillIntervalMs: 1_000, per: 'Route' },
  retryNonIdempotent: true,
};

describe('clusterPolicy', () => {
  it('defaults to round robin over HTTP/1.1, with no breaker, budget, limiter or own pools', () => {
    const p = clusterPolicy();
    expect(p.traffic).toBe(DEFAULT_TRAFFIC);
    expect([p.protocol, p.tls, p.poolVariant, p.breaker, p.retryBudget, p.rateLimiter]).toEqual([
      'http1',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(p.retryNonIdempotent).toBe(false);
  });

  it('builds each part a TrafficPolicy sets, and the pool variant of its limits', () => {
    const p = clusterPolicy(full, { protocol: 'h2c' });
    expect(p.protocol).toBe('h2c');
    expect(p.poolVariant).toEqual({ key: '2/100', connections: 2, maxRequestsPerConnection: 100 });
    expect([p.outlier, p.breaker, p.retryBudget, p.rateLimiter].every(Boolean)).toBe(true);
    expect(p.retryNonIdempotent).toBe(true);
  });

  it('keeps the parts whose settings are the same, builds the changed ones anew', () => {
    const before = clusterPolicy(full);
    const after = clusterPolicy(
      { ...full, retryBudget: { ratio: 0.5, minPerSecond: 1, ttlMs: 10_000 } },
      { protocol: 'http1' },
      before,
    );
    expect(after).not.toBe(before);
    expect([after.balancer, after.outlier, after.breaker, after.rateLimiter]).toEqual([
      before.balancer,
      before.outlier,
      before.breaker,
      before.rateLimiter,
    ]);
    expect(after.balancer).toBe(before.balancer);
    expect(after.retryBudget).not.toBe(before.retryBudget);
    // Another policy's parts are never shared: without `previous` every part is new.
    expect(clusterPolicy(full).breaker).not.toBe(before.breaker);
  });

  it('drops a part its settings no longer ask for', () => {
    const after = clusterPolicy(DEFAULT_TRAFFIC, undefined, clusterPolicy(full));
    expect([after.outlier, after.breaker, after.retryBudget, after.rateLimiter]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
