// Unit spec for admission: the breaker's pending limit refuses a first try with 503; a retry takes a
// breaker slot and a budget withdrawal, and a refusal is counted and kept for the client.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { fakeExchange } from '../http/http-doubles.testing.js';
import { admitRetry, releaseRetrySlot } from './admission.layer.js';
import type { Cluster } from './cluster.js';
import { RetryState } from './retry.layer.js';
import { answer } from './scripted-upstream.testing.js';
import {
  A,
  fakeTime,
  realTime,
  ScriptedService,
  type RecordingContext,
} from './upstream-doubles.testing.js';

describe('admission', () => {
  let svc: ScriptedService;
  let ctx: RecordingContext;
  let api: Cluster;
  const a = A;

  beforeEach(() => {
    fakeTime();
    svc = new ScriptedService([A]);
    ({ ctx, cluster: api } = svc);
  });

  afterEach(realTime);

  const configure = (extra: Parameters<ScriptedService['configure']>[0]) => svc.configure(extra);
  const forward = () => svc.send({ timeoutMs: 300 });

  it('answers 503 x-weft-overflow: pending past maxPendingRequests, and counts it', () => {
    configure({
      limits: { maxConnections: 1, maxRequestsPerConnection: 0, maxPendingRequests: 0 },
    });
    svc.upstream.script(a.origin, answer(200, 1_000));
    forward();
    const refused = forward();
    expect([refused.status, refused.sentHeaders['x-weft-overflow']]).toEqual([503, 'pending']);
    expect(svc.upstream.attempts).toHaveLength(1);
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
    expect(api.policy.breaker?.retryStarted()).toBe(true);
  });
});
