// Unit spec for RetryBudget: ratio of recent requests plus a floor per second, over a TTL window.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { RetryBudget } from './retry-budget.js';

function withdrawals(budget: RetryBudget, tries: number): number {
  let granted = 0;
  for (let i = 0; i < tries; i++) if (budget.withdraw()) granted++;
  return granted;
}

describe('RetryBudget', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('allows ratio × requests retries when there is no floor', () => {
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 0, ttlMs: 10_000 });
    for (let i = 0; i < 100; i++) budget.deposit();
    expect(withdrawals(budget, 50)).toBe(20);
  });

  it('allows minPerSecond × ttl retries with no requests at all', () => {
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 1, ttlMs: 10_000 });
    expect(withdrawals(budget, 50)).toBe(10);
  });

  it('forgets requests and retries older than the TTL', () => {
    const budget = new RetryBudget({ ratio: 0.5, minPerSecond: 0, ttlMs: 10_000 });
    for (let i = 0; i < 10; i++) budget.deposit();
    expect(withdrawals(budget, 10)).toBe(5);
    jest.advanceTimersByTime(5_000);
    expect(withdrawals(budget, 10)).toBe(0); // still within the window
    jest.advanceTimersByTime(6_000);
    expect(withdrawals(budget, 10)).toBe(0); // the requests left with the retries
    for (let i = 0; i < 4; i++) budget.deposit();
    expect(withdrawals(budget, 10)).toBe(2);
  });

  it('recovers after a quiet time longer than the whole window', () => {
    const budget = new RetryBudget({ ratio: 0, minPerSecond: 1, ttlMs: 2_000 });
    expect(withdrawals(budget, 5)).toBe(2);
    jest.advanceTimersByTime(60_000);
    expect(withdrawals(budget, 5)).toBe(2);
  });
});
