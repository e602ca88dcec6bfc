// Unit spec for the rate-limit layer: passes while tokens last, then 429 with when to come back.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { fakeExchange, fakeRequest, recordedResponse } from '../http/http-doubles.testing.js';
import type { CompiledRoute } from '../routing/route-table.js';
import { Cluster } from '../upstream/cluster.js';
import { commitTraffic } from '../upstream/cluster-policy.testing.js';
import { rateLimit } from './rate-limit.layer.js';

const route = { name: 'HTTPRoute/shop/api#0' } as CompiledRoute;

/** The step's outcome for a request from `address` to `cl` (its response in `res`). */
function limited(cl: Cluster, address: string, res = recordedResponse()) {
  const ex = fakeExchange(fakeRequest({ remoteAddress: address }), res);
  ex.route = route;
  ex.cluster = cl;
  return rateLimit(ex);
}

function cluster(per: 'Route' | 'Source'): Cluster {
  return commitTraffic(new Cluster('shop/api'), {
    loadBalancer: { type: 'RoundRobin' },
    rateLimit: { maxTokens: 2, tokensPerFill: 1, fillIntervalMs: 1_500, per },
  });
}

describe('rateLimit', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('lets requests through without a limiter', () => {
    expect(limited(new Cluster('shop/api'), 'a')).toBe('next');
  });

  it('answers 429 with retry-after and x-ratelimit-* once the bucket is empty', () => {
    const cl = cluster('Route');
    expect(limited(cl, 'a')).toBe('next');
    expect(limited(cl, 'b')).toBe('next');
    const res = recordedResponse();
    expect(limited(cl, 'c', res)).toBe('answered');
    expect(res.status).toBe(429);
    expect(res.sentHeaders).toMatchObject({
      'x-weft-error': 'rate_limited',
      'retry-after': '2',
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '0',
    });
    jest.advanceTimersByTime(1_500);
    expect(limited(cl, 'c')).toBe('next');
  });

  it('keeps a bucket per caller address when per Source', () => {
    const cl = cluster('Source');
    for (let i = 0; i < 2; i++) limited(cl, '10.0.0.1');
    expect(limited(cl, '10.0.0.1')).toBe('answered');
    expect(limited(cl, '10.0.0.2')).toBe('next');
  });
});
