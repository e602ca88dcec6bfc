// Unit spec for PeakEwmaBalancer: slow answers raise the cost at once, decay over time, load counts.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { endpoint } from '../endpoint.js';
import { DEFAULT_RTT_MS, PeakEwmaBalancer } from './peak-ewma-balancer.js';

const fast = endpoint('fast', '10.0.0.1', 8080);
const slow = endpoint('slow', '10.0.0.2', 8080);
const list = [fast, slow];

describe('PeakEwmaBalancer', () => {
  let b: PeakEwmaBalancer;

  beforeEach(() => {
    jest.useFakeTimers();
    b = new PeakEwmaBalancer(10_000);
    b.setEndpoints(list);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('starts every endpoint at the default latency', () => {
    expect(b.cost(fast)).toBeCloseTo(DEFAULT_RTT_MS);
  });

  it('takes a slower sample in full at once (the peak)', () => {
    b.observed(slow, 500);
    expect(b.cost(slow)).toBeCloseTo(500);
  });

  it('moves toward faster samples gradually, by the time since the last update', () => {
    b.observed(slow, 500);
    jest.advanceTimersByTime(10_000); // one decay time: weight e^-1 on the old estimate
    b.observed(slow, 100);
    expect(b.cost(slow)).toBeCloseTo(500 * Math.exp(-1) + 100 * (1 - Math.exp(-1)), 0);
  });

  it('forgets a slow estimate over time even without new answers', () => {
    b.observed(slow, 500);
    jest.advanceTimersByTime(30_000);
    expect(b.cost(slow)).toBeLessThan(500 * Math.exp(-2.9));
  });

  it('multiplies the estimate by requests in flight + 1', () => {
    b.observed(fast, 50);
    b.started(fast);
    b.started(fast);
    expect(b.cost(fast)).toBeCloseTo(150);
    b.finished(fast);
    expect(b.cost(fast)).toBeCloseTo(100);
  });

  it('prefers the fast endpoint of the two', () => {
    b.observed(slow, 400); // fast keeps the default 30 ms
    const picks = Array.from({ length: 50 }, () => b.choose(list, undefined, undefined, undefined));
    expect(picks.every((e) => e === fast)).toBe(true);
  });

  it('returns the one allowed endpoint, or none', () => {
    expect(b.choose(list, undefined, [fast], undefined)).toBe(slow);
    expect(b.choose(list, undefined, undefined, new Set([slow.origin]))).toBe(fast);
    expect(b.choose(list, undefined, [fast], new Set([slow.origin]))).toBeUndefined();
  });
});
