// Unit spec for the Exchange: what a listener makes it with, and the one close listener that tells
// its owner first, then lets the upstream layers clean up.
import { describe, expect, it, jest } from '@jest/globals';
import { trace } from '@opentelemetry/api';
import { Exchange, type ExchangeOwner } from './exchange.js';
import { fakeRequest, recordedResponse } from './http/http-doubles.testing.js';
import { RequestDeadline } from './resilience/request-deadline.js';

describe('Exchange', () => {
  it('starts undecided: no route, cluster or edge, a policy without timeouts, at the first step', () => {
    const span = trace.getTracer('spec').startSpan('GET');
    const req = fakeRequest();
    const res = recordedResponse();
    const ex = new Exchange({ finished: () => undefined }, req, res, span, undefined, 3, 12.5);
    expect([ex.req, ex.res, ex.span, ex.method, ex.arrivedAt]).toEqual([req, res, span, 3, 12.5]);
    expect([ex.step, ex.route, ex.cluster, ex.edge, ex.policy]).toEqual([
      0,
      undefined,
      undefined,
      undefined,
      { timeoutMs: 0 },
    ]);
  });

  it('tells its owner once when the response closes, then drops the request timeout', () => {
    const told: Exchange[] = [];
    const owner: ExchangeOwner = { finished: (ex) => void told.push(ex) };
    const res = recordedResponse();
    const span = trace.getTracer('spec').startSpan('GET');
    jest.useFakeTimers();
    try {
      const ex = new Exchange(owner, fakeRequest(), res, span, undefined, 0, 0);
      ex.deadline = new RequestDeadline(ex, 60_000);
      expect(jest.getTimerCount()).toBe(1);
      res.destroy();
      expect(told).toEqual([ex]);
      expect(jest.getTimerCount()).toBe(0);
      jest.advanceTimersByTime(60_000);
      expect(ex.deadline.expired).toBe(false);
      expect(res.listenerCount('close')).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
