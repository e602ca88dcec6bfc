// Unit spec for CircuitBreaker: pending requests beyond an endpoint's connections, concurrent retries.
import { describe, expect, it } from '@jest/globals';
import { CircuitBreaker } from './circuit-breaker.js';

const A = 'http://10.0.0.1:80';
const B = 'http://10.0.0.2:80';

describe('CircuitBreaker', () => {
  it('counts a request as pending only once its endpoint has no free connection', () => {
    const cb = new CircuitBreaker({
      maxConnections: 2,
      maxPendingRequests: 1,
      maxRequestsPerConnection: 0,
    });
    cb.started(A);
    cb.started(A);
    expect(cb.pendingFull(A)).toBe(false); // the third may wait: the queue has room for one
    cb.started(A);
    expect(cb.pendingFull(A)).toBe(true);
    expect(cb.pendingFull(B)).toBe(false); // B has free connections
    cb.finished(A);
    expect(cb.pendingFull(A)).toBe(false);
  });

  it('never refuses when maxPendingRequests is unset', () => {
    const cb = new CircuitBreaker({ maxConnections: 1, maxRequestsPerConnection: 0 });
    for (let i = 0; i < 10; i++) cb.started(A);
    expect(cb.pendingFull(A)).toBe(false);
  });

  it('refuses every waiting request with maxPendingRequests 0', () => {
    const cb = new CircuitBreaker({
      maxConnections: 1,
      maxPendingRequests: 0,
      maxRequestsPerConnection: 0,
    });
    expect(cb.pendingFull(A)).toBe(false);
    cb.started(A);
    expect(cb.pendingFull(A)).toBe(true);
  });

  it('bounds concurrent retries', () => {
    const cb = new CircuitBreaker({
      maxConnections: 1,
      maxRetries: 2,
      maxRequestsPerConnection: 0,
    });
    expect(cb.retryStarted()).toBe(true);
    expect(cb.retryStarted()).toBe(true);
    expect(cb.retryStarted()).toBe(false);
    cb.retryFinished();
    expect(cb.retryStarted()).toBe(true);
  });
});
