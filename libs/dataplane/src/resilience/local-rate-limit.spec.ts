// Unit spec for LocalRateLimiter: a full bucket per key, emptied by requests, refilled in ticks.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { LocalRateLimiter } from './local-rate-limit.js';

describe('LocalRateLimiter', () => {
  let limiter: LocalRateLimiter;

  beforeEach(() => {
    jest.useFakeTimers();
    limiter = new LocalRateLimiter({
      maxTokens: 3,
      tokensPerFill: 2,
      fillIntervalMs: 1_000,
      per: 'Route',
    });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('admits maxTokens requests, then says how long until the next fill', () => {
    expect([limiter.take('r'), limiter.take('r'), limiter.take('r')]).toEqual([0, 0, 0]);
    jest.advanceTimersByTime(400);
    expect(limiter.take('r')).toBe(600);
  });

  it('refills tokensPerFill each interval, never above maxTokens', () => {
    for (let i = 0; i < 3; i++) limiter.take('r');
    jest.advanceTimersByTime(1_000);
    expect([limiter.take('r'), limiter.take('r')]).toEqual([0, 0]);
    expect(limiter.take('r')).toBeGreaterThan(0);
    jest.advanceTimersByTime(10_000);
    expect([limiter.take('r'), limiter.take('r'), limiter.take('r')]).toEqual([0, 0, 0]);
    expect(limiter.take('r')).toBeGreaterThan(0);
  });

  it('keeps one bucket per key', () => {
    for (let i = 0; i < 3; i++) limiter.take('a');
    expect(limiter.take('a')).toBeGreaterThan(0);
    expect(limiter.take('b')).toBe(0);
  });

  it('refills on whole ticks only (Envoy fills on a timer)', () => {
    for (let i = 0; i < 3; i++) limiter.take('r');
    jest.advanceTimersByTime(999);
    expect(limiter.take('r')).toBe(1);
    jest.advanceTimersByTime(1);
    expect(limiter.take('r')).toBe(0);
  });
});
