// Unit spec for TrafficPolicy validation: balancer choice, limits, retry budget, rate limit, field paths.
import { describe, expect, it } from '@jest/globals';
import { parseResource } from './resource.js';

function policy(spec: Record<string, unknown>): unknown {
  return {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'TrafficPolicy',
    metadata: { name: 'p' },
    spec: { targetRefs: [{ kind: 'Service', name: 'api' }], ...spec },
  };
}

/** The `path: message` of each error, or [] when the policy is valid. */
function errors(spec: Record<string, unknown>): string[] {
  const result = parseResource(policy(spec));
  return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
}

describe('TrafficPolicy', () => {
  it('accepts every part with its defaults filled in', () => {
    const result = parseResource(
      policy({
        loadBalancer: { type: 'ConsistentHash', consistentHash: { header: 'x-user' } },
        connectionPool: { maxConnections: 10, maxPendingRequests: 5 },
        retryBudget: {},
        retryNonIdempotent: true,
        localRateLimit: { maxTokens: 10, fillInterval: '1s' },
      }),
    );
    expect(result.ok).toBe(true);
    const spec = result.ok && result.value.kind === 'TrafficPolicy' ? result.value.spec : undefined;
    expect(spec?.retryBudget).toMatchObject({
      retryRatio: 0.2,
      minRetriesPerSecond: 10,
      ttl: '10s',
    });
    expect(spec?.localRateLimit).toMatchObject({ tokensPerFill: 1, per: 'Route' });
  });

  it('accepts peak EWMA with or without a decay time', () => {
    expect(errors({ loadBalancer: { type: 'PeakEwma' } })).toEqual([]);
    expect(errors({ loadBalancer: { type: 'PeakEwma', peakEwma: { decayTime: '5s' } } })).toEqual(
      [],
    );
  });

  it('needs a consistent-hash key: exactly one of header and cookie', () => {
    expect(errors({ loadBalancer: { type: 'ConsistentHash' } })).toEqual([
      'spec.loadBalancer.consistentHash: is required',
    ]);
    expect(errors({ loadBalancer: { type: 'ConsistentHash', consistentHash: {} } })).toEqual([
      'spec.loadBalancer.consistentHash: must set exactly one of header, cookie',
    ]);
    expect(
      errors({
        loadBalancer: { type: 'ConsistentHash', consistentHash: { header: 'a', cookie: 'b' } },
      }),
    ).toEqual(['spec.loadBalancer.consistentHash: must set exactly one of header, cookie']);
    expect(
      errors({
        loadBalancer: { type: 'ConsistentHash', consistentHash: { header: 'bad header' } },
      }),
    ).toEqual(['spec.loadBalancer.consistentHash.header: must be an HTTP header name']);
  });

  it('rejects an unknown balancer', () => {
    expect(errors({ loadBalancer: { type: 'Random' } })).toHaveLength(1);
  });

  it('rejects limits out of range with their field paths', () => {
    expect(errors({ connectionPool: { maxConnections: 0, maxRetries: -1 } })).toEqual([
      'spec.connectionPool.maxConnections: must not be less than 1',
      'spec.connectionPool.maxRetries: must not be less than 0',
    ]);
  });

  it('bounds the retry budget', () => {
    expect(errors({ retryBudget: { retryRatio: 11, ttl: '2m' } })).toEqual([
      'spec.retryBudget.retryRatio: must not be greater than 10',
      'spec.retryBudget.ttl: must be a duration from 1000ms to 60000ms, such as 10s',
    ]);
  });

  it('needs a rate limit bucket size and a fill interval of at least 50ms', () => {
    expect(errors({ localRateLimit: { fillInterval: '10ms', per: 'Everyone' } })).toEqual([
      'spec.localRateLimit.maxTokens: is required',
      'spec.localRateLimit.fillInterval: must be a duration from 50ms to 86400000ms, such as 1s',
      'spec.localRateLimit.per: must be one of the following values: Route, Source',
    ]);
  });

  it('takes fault shares as Istio writes them: percentage.value (fractions allowed) or integer percent', () => {
    expect(
      errors({
        faultInjection: {
          delay: { percentage: { value: 0.1 }, fixedDelay: '5s' },
          abort: { percent: 20, httpStatus: 503 },
        },
      }),
    ).toEqual([]);
  });

  it('rejects fault shares out of range, fractional percent, or not exactly one of the two', () => {
    expect(
      errors({
        faultInjection: {
          delay: { percentage: { value: 100.5 }, fixedDelay: '5s' },
          abort: { percent: 2.5, httpStatus: 503 },
        },
      }),
    ).toEqual([
      'spec.faultInjection.delay.percentage.value: must not be greater than 100',
      'spec.faultInjection.abort.percent: must be an integer number',
    ]);
    expect(
      errors({
        faultInjection: {
          delay: { fixedDelay: '5s' },
          abort: { percent: 1, percentage: { value: 1 }, httpStatus: 503 },
        },
      }),
    ).toEqual([
      'spec.faultInjection.delay: must set exactly one of percent, percentage',
      'spec.faultInjection.abort: must set exactly one of percent, percentage',
    ]);
  });

  it('bounds the outlier detection interval and maximum ejection time', () => {
    expect(errors({ outlierDetection: { interval: '5s', maxEjectionTime: '10m' } })).toEqual([]);
    expect(errors({ outlierDetection: { interval: '0s', maxEjectionTime: 'soon' } })).toEqual([
      'spec.outlierDetection.interval: must be a duration from 1ms to 3600000ms, such as 10s',
      'spec.outlierDetection.maxEjectionTime: must be a duration from 1ms to 86400000ms, such as 300s',
    ]);
    expect(
      errors({ outlierDetection: { baseEjectionTime: '1m', maxEjectionTime: '30s' } }),
    ).toEqual(['spec.outlierDetection.maxEjectionTime: must not be shorter than baseEjectionTime']);
  });

  describe('loadBalancer.localityLbSetting', () => {
    const lb = (setting: Record<string, unknown>, outlier = true) =>
      errors({
        loadBalancer: { type: 'LeastRequest', localityLbSetting: setting },
        ...(outlier && { outlierDetection: {} }),
      });

    it('accepts failoverPriority on the locality labels, failover between regions, and distribute', () => {
      expect(
        lb({
          failoverPriority: [
            'topology.weft.dev/cluster',
            'topology.kubernetes.io/region',
            'topology.kubernetes.io/zone',
          ],
        }),
      ).toEqual([]);
      expect(lb({ enabled: true, failover: [{ from: 'us-east', to: 'us-west' }] })).toEqual([]);
      expect(
        lb({ distribute: [{ from: 'us-east/*', to: { 'us-east/a': 80, '*': 20 } }] }, false),
      ).toEqual([]);
      expect(lb({ enabled: false }, false)).toEqual([]);
    });

    it('refuses failover without outlier detection (Istio warns and ignores it)', () => {
      const message =
        'spec.loadBalancer: localityLbSetting fails over between localities, which needs spec.outlierDetection to see an endpoint fail (set it, or use distribute, or enabled: false)';
      expect(lb({}, false)).toEqual([message]);
      expect(lb({ failover: [{ from: 'us-east', to: 'us-west' }] }, false)).toEqual([message]);
      expect(lb({ failoverPriority: ['topology.kubernetes.io/zone'] }, false)).toEqual([message]);
    });

    it('refuses labels it cannot compare, and more than one way of choosing', () => {
      expect(lb({ failoverPriority: ['topology.istio.io/network'] })).toEqual([
        'spec.loadBalancer.localityLbSetting.failoverPriority: entries must be one of topology.weft.dev/cluster, topology.kubernetes.io/region, topology.kubernetes.io/zone',
      ]);
      expect(
        lb({
          failoverPriority: ['topology.kubernetes.io/zone'],
          failover: [{ from: 'a', to: 'b' }],
        }),
      ).toEqual([
        'spec.loadBalancer.localityLbSetting: may set only one of distribute, failover, failoverPriority',
      ]);
    });

    it('refuses distribute weights that are out of range, do not sum to 100, or name no locality', () => {
      const weights =
        'spec.loadBalancer.localityLbSetting.distribute[0].to: must map up to 32 localities (must be *, region, region/* or region/zone (DNS labels)) to weights from 1 to 100 that sum to 100';
      const to = (map: Record<string, unknown>) =>
        lb({ distribute: [{ from: '*', to: map }] }, false);
      expect(to({ 'us-east': 60, 'us-west': 30 })).toEqual([weights]);
      expect(to({ 'us-east': 0, 'us-west': 100 })).toEqual([weights]);
      expect(to({ 'us-east/a/x': 100 })).toEqual([weights]);
      expect(to({ 'US-EAST': 100 })).toEqual([weights]);
      expect(lb({ distribute: [{ from: 'us/*/a', to: { '*': 100 } }] }, false)).toEqual([
        'spec.loadBalancer.localityLbSetting.distribute[0].from: must be *, region, region/* or region/zone (DNS labels)',
      ]);
    });
  });
});
