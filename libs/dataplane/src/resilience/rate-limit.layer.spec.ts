// Unit spec for the rate-limit layer: passes while tokens last, then 429 with when to come back.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { IncomingMessage } from 'node:http';
import { fakeRequest, recordedResponse } from '../http/http-doubles.testing.js';
import type { CompiledRoute } from '../routing/route-table.js';
import { Cluster } from '../upstream/cluster.js';
import { commitTraffic } from '../upstream/cluster-policy.testing.js';
import { rateLimited } from './rate-limit.layer.js';

const route = { name: 'HTTPRoute/shop/api#0' } as CompiledRoute;
const from = (address: string): IncomingMessage => fakeRequest({ remoteAddress: address });
const response = recordedResponse;

function cluster(per: 'Route' | 'Source'): Cluster {
  const cl = new Cluster('shop/api');
  return commitTraffic(cl, {
    loadBalancer: { type: 'RoundRobin' },
    rateLimit: { maxTokens: 2, tokensPerFill: 1, fillIntervalMs: 1_500, per },
  });
}

describe('rateLimited', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('lets requests through without a limiter', () => {
    expect(rateLimited(new Cluster('shop/api'), route, from('a'), response())).toBe(false);
  });

  it('answers 429 with retry-after and x-ratelimit-* once the bucket is empty', () => {
    const cl = cluster('Route');
    expect(rateLimited(cl, route, from('a'), response())).toBe(false);
    expect(rateLimited(cl, route, from('b'), response())).toBe(false);
    const res = response();
    expect(rateLimited(cl, route, from('c'), res)).toBe(true);
    expect(res.status).toBe(429);
    expect(res.sentHeaders).toMatchObject({
      'x-weft-error': 'rate_limited',
      'retry-after': '2',
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '0',
    });
    jest.advanceTimersByTime(1_500);
    expect(rateLimited(cl, route, from('c'), response())).toBe(false);
  });

  it('keeps a bucket per caller address when per Source', () => {
    const cl = cluster('Source');
    for (let i = 0; i < 2; i++) rateLimited(cl, route, from('10.0.0.1'), response());
    expect(rateLimited(cl, route, from('10.0.0.1'), response())).toBe(true);
    expect(rateLimited(cl, route, from('10.0.0.2'), response())).toBe(false);
  });
});
