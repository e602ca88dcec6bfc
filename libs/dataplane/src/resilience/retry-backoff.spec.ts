// Unit spec for retryBackoffMs: never below the route's backoff, doubling, jittered, capped at 10×.
import { describe, expect, it } from '@jest/globals';
import { retryBackoffMs } from './retry-backoff.js';

describe('retryBackoffMs', () => {
  it('waits at least the backoff, at most twice it, before the first retry', () => {
    expect(retryBackoffMs(100, 0, 0)).toBe(100);
    expect(retryBackoffMs(100, 0, 1)).toBe(200);
    expect(retryBackoffMs(100, 0, 0.5)).toBe(150);
  });

  it('doubles the window with each retry', () => {
    expect(retryBackoffMs(100, 1, 1)).toBe(400);
    expect(retryBackoffMs(100, 2, 1)).toBe(800);
  });

  it('caps the wait at ten times the backoff, and keeps the minimum', () => {
    expect(retryBackoffMs(100, 8, 1)).toBe(1_000);
    expect(retryBackoffMs(100, 8, 0)).toBe(100);
  });
});
