// Unit spec for admission: the breaker's pending limit refuses a first try with 503; a retry takes a
// breaker slot and a budget withdrawal, and a refusal is counted and kept for the client.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { fakeExchange, recordedResponse } from '../http/http-doubles.testing.js';
import { admitRetry, releaseRetrySlot } from './admission.layer.js';
import { Cluster, type ClusterPolicy } from './cluster.js';
import { endpoint } from './endpoint.js';
import { RetryState } from './retry.layer.js';
import { answer, ScriptedUpstream } from './scripted-upstream.testing.js';
import { forwardTo, RecordingContext } from './upstream-doubles.testing.js';

const a = endpoint('a', '10.0.0.1', 80);

describe('admission', () => {
  let upstream: ScriptedUpstream;
  let ctx: RecordingContext;
  let api: Cluster;

  beforeEach(() => {
    jest.useFakeTimers();
    upstream = new ScriptedUpstream();
    ctx = new RecordingContext(upstream);
    api = new Cluster('shop/api');
    api.setEndpoints([a]);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  function configure(extra: Partial<ClusterPolicy>): void {
    api.configure({ loadBalancer: { type: 'RoundRobin' }, ...extra });
  }

  function forward() {
    const res = recordedResponse();
    forwardTo(ctx, fakeExchange(undefined, res), api, { timeoutMs: 300 });
    return res;
  }

  it('answers 503 x-weft-overflow: pending past maxPendingRequests, and counts it', () => {
    configure({
      limits: { maxConnections: 1, maxRequestsPerConnection: 0, maxPendingRequests: 0 },
    });
    upstream.script(a.origin, answer(200, 1_000));
    forward();
    const refused = forward();
    expect([refused.status, refused.sentHeaders['x-weft-overflow']]).toEqual([503, 'pending']);
    expect(upstream.attempts).toHaveLength(1);
    expect(ctx.overflows).toEqual(['pending']);
    jest.advanceTimersByTime(1_000);
    expect(forward().headersSent).toBe(false); // the first one finished: room again
  });

  it('admits a retry with a breaker slot, held until released; refuses one past maxRetries', () => {
    configure({ limits: { maxConnections: 10, maxRequestsPerConnection: 0, maxRetries: 1 } });
    const [one, two] = [fakeExchange(), fakeExchange()];
    one.cluster = two.cluster = api;
    const [first, second] = [new RetryState(a), new RetryState(a)];
    expect(admitRetry(one, first, ctx.overflowed)).toBe(true);
    expect(first.slot).toBe(true);
    expect(admitRetry(two, second, ctx.overflowed)).toBe(false);
    expect([second.refusal, ctx.overflows]).toEqual(['retries', ['retries']]);
    releaseRetrySlot(one, first);
    expect(admitRetry(two, second, ctx.overflowed)).toBe(true);
  });

  it('refuses a retry the budget does not cover, giving its breaker slot back', () => {
    configure({
      limits: { maxConnections: 10, maxRequestsPerConnection: 0, maxRetries: 1 },
      retryBudget: { ratio: 0, minPerSecond: 0, ttlMs: 10_000 },
    });
    const ex = fakeExchange();
    ex.cluster = api;
    const state = new RetryState(a);
    expect(admitRetry(ex, state, ctx.overflowed)).toBe(false);
    expect([state.refusal, state.slot, ctx.overflows]).toEqual([
      'retry_budget',
      false,
      ['retry_budget'],
    ]);
    // The slot went back: the breaker admits the next retry (only the budget says no).
    expect(api.breaker?.retryStarted()).toBe(true);
  });
});
