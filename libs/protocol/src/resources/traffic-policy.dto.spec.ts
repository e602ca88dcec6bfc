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
});
