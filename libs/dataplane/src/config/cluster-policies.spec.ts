// Unit spec for compileClusterPolicies: TrafficPolicy fields into the settings each Cluster part runs on.
import { describe, expect, it } from '@jest/globals';
import { parseResource, type TrafficPolicy } from '@app/protocol';
import { compileClusterPolicies } from './cluster-policies.js';

function policy(name: string, spec: Record<string, unknown>): TrafficPolicy {
  const parsed = parseResource({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'TrafficPolicy',
    metadata: { name, namespace: 'shop' },
    spec: { targetRefs: [{ kind: 'Service', name: 'api' }], ...spec },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value as TrafficPolicy;
}

describe('compileClusterPolicies', () => {
  it('compiles balancers with their settings', () => {
    const ewma = compileClusterPolicies([
      policy('a', { loadBalancer: { type: 'PeakEwma', peakEwma: { decayTime: '5s' } } }),
    ]).get('shop/api');
    expect(ewma?.loadBalancer).toEqual({ type: 'PeakEwma', decayMs: 5_000 });
    const hash = compileClusterPolicies([
      policy('a', { loadBalancer: { type: 'ConsistentHash', consistentHash: { cookie: 's' } } }),
    ]).get('shop/api');
    expect(hash?.loadBalancer).toEqual({ type: 'ConsistentHash', cookie: 's' });
    const plain = compileClusterPolicies([policy('a', {})]).get('shop/api');
    expect(plain?.loadBalancer).toEqual({ type: 'RoundRobin' });
  });

  describe('locality load balancing', () => {
    const self = { cluster: 'east', region: 'us-east', zone: 'a' };
    const locality = (setting: Record<string, unknown>, outlier = true) =>
      compileClusterPolicies(
        [
          policy('a', {
            loadBalancer: { localityLbSetting: setting },
            ...(outlier && { outlierDetection: {} }),
          }),
        ],
        self,
      ).get('shop/api')?.locality;

    it('orders levels by failoverPriority labels, relative to the proxy', () => {
      expect(
        locality({
          failoverPriority: ['topology.weft.dev/cluster', 'topology.kubernetes.io/zone'],
        }),
      ).toEqual({ mode: 'failover', self, parts: ['cluster', 'zone'] });
    });

    it("defaults to region then zone, with the failover target of the proxy's region (Istio)", () => {
      expect(
        locality({
          failover: [
            { from: 'eu', to: 'us-east' },
            { from: 'us-east', to: 'us-west' },
          ],
        }),
      ).toEqual({ mode: 'failover', self, parts: ['region', 'zone'], failoverRegion: 'us-west' });
    });

    it('applies the first distribute rule whose from matches the proxy, and none when none does', () => {
      const rule = (from: string, to: Record<string, number>) => ({ from, to });
      expect(
        locality(
          {
            distribute: [
              rule('eu/*', { 'eu/*': 100 }),
              rule('us-east/*', { 'us-east/a': 70, 'us-west/*': 30 }),
              rule('*', { '*': 100 }),
            ],
          },
          false,
        ),
      ).toEqual({
        mode: 'distribute',
        to: [
          { pattern: 'us-east/a', weight: 70 },
          { pattern: 'us-west/*', weight: 30 },
        ],
      });
      expect(locality({ distribute: [rule('eu', { eu: 100 })] }, false)).toBeUndefined();
    });

    it('is off when disabled or not set', () => {
      expect(locality({ enabled: false }, false)).toBeUndefined();
      expect(compileClusterPolicies([policy('a', {})], self).get('shop/api')?.locality).toBe(
        undefined,
      );
    });
  });

  it('compiles limits, filling the pool default for unset connections', () => {
    const compiled = compileClusterPolicies([
      policy('a', { connectionPool: { maxPendingRequests: 4, maxRetries: 2 } }),
    ]).get('shop/api');
    expect(compiled?.limits).toEqual({
      maxConnections: 256,
      maxPendingRequests: 4,
      maxRequestsPerConnection: 0,
      maxRetries: 2,
    });
  });

  it('compiles the retry budget and rate limit durations', () => {
    const compiled = compileClusterPolicies([
      policy('a', {
        retryBudget: { retryRatio: 0.5, minRetriesPerSecond: 0, ttl: '5s' },
        retryNonIdempotent: true,
        localRateLimit: { maxTokens: 5, fillInterval: '250ms', per: 'Source' },
      }),
    ]).get('shop/api');
    expect(compiled?.retryBudget).toEqual({ ratio: 0.5, minPerSecond: 0, ttlMs: 5_000 });
    expect(compiled?.retryNonIdempotent).toBe(true);
    expect(compiled?.rateLimit).toEqual({
      maxTokens: 5,
      tokensPerFill: 1,
      fillIntervalMs: 250,
      per: 'Source',
    });
  });

  it('compiles grpcRetry names into status codes, with the default buffer when unset', () => {
    const compile = (grpcRetry: Record<string, unknown>) =>
      compileClusterPolicies([policy('a', { grpcRetry })]).get('shop/api')?.grpcRetry;
    expect(compile({ retryOn: ['unavailable', 'cancelled'] })).toEqual({
      codes: [14, 1],
      bufferBytes: 65_536,
    });
    expect(compile({ retryOn: ['resource-exhausted'], bufferBytes: 1024 })).toEqual({
      codes: [8],
      bufferBytes: 1024,
    });
  });

  it('rejects an empty or unknown grpcRetry.retryOn and a buffer over 16 MiB', () => {
    expect(() => policy('a', { grpcRetry: { retryOn: [] } })).toThrow('grpcRetry.retryOn');
    expect(() => policy('a', { grpcRetry: { retryOn: ['sometimes'] } })).toThrow(
      'grpcRetry.retryOn',
    );
    expect(() =>
      policy('a', { grpcRetry: { retryOn: ['unavailable'], bufferBytes: 16_777_217 } }),
    ).toThrow('grpcRetry.bufferBytes');
  });

  it('lets the first policy by namespace/name win on a Service', () => {
    const compiled = compileClusterPolicies([
      policy('b', { loadBalancer: { type: 'LeastRequest' } }),
      policy('a', { loadBalancer: { type: 'PeakEwma' } }),
    ]).get('shop/api');
    expect(compiled?.loadBalancer.type).toBe('PeakEwma');
  });

  it('compiles fault shares from either percentage.value or percent, a missing fault as 0', () => {
    const compiled = compileClusterPolicies([
      policy('a', {
        faultInjection: { delay: { percentage: { value: 0.1 }, fixedDelay: '250ms' } },
      }),
    ]).get('shop/api');
    expect(compiled?.faults).toEqual({
      delayPercent: 0.1,
      delayMs: 250,
      abortPercent: 0,
      abortStatus: 503,
    });
    const legacy = compileClusterPolicies([
      policy('a', { faultInjection: { abort: { percent: 20, httpStatus: 418 } } }),
    ]).get('shop/api');
    expect(legacy?.faults).toMatchObject({ delayPercent: 0, abortPercent: 20, abortStatus: 418 });
  });

  it('compiles outlier detection with Envoy’s defaults: 10s interval, ejections up to 300s or the base', () => {
    const outlier = (spec: Record<string, unknown>) =>
      compileClusterPolicies([policy('a', { outlierDetection: spec })]).get('shop/api')?.outlier;
    expect(outlier({})).toEqual({
      consecutive5xx: 5,
      consecutiveGatewayErrors: 0,
      baseEjectionMs: 30_000,
      intervalMs: 10_000,
      maxEjectionMs: 300_000,
      maxEjectionPercent: 10,
    });
    expect(outlier({ baseEjectionTime: '10m' })?.maxEjectionMs).toBe(600_000);
    expect(outlier({ interval: '1s', maxEjectionTime: '1m' })).toMatchObject({
      intervalMs: 1_000,
      maxEjectionMs: 60_000,
    });
  });
});
