// Unit spec for the request timeout (`timeouts.request`), on fake timers against scripted endpoints:
// it covers every try, retry and backoff and the response body, and leaves no timer behind.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { ExchangePolicy } from '../routing/route-table.js';
import { answer, stallBody, type ScriptedUpstream } from '../upstream/scripted-upstream.testing.js';
import {
  fakeTime,
  realTime,
  RETRY_503,
  ScriptedService,
} from '../upstream/upstream-doubles.testing.js';

describe('RequestDeadline', () => {
  let svc: ScriptedService;
  let upstream: ScriptedUpstream;

  beforeEach(() => {
    fakeTime();
    svc = new ScriptedService();
    upstream = svc.upstream;
  });

  afterEach(realTime);

  const send = (policy: ExchangePolicy) => svc.send(policy);

  it('ends the first try and every retry within it, with 504', () => {
    svc.scriptAll(answer(200, 1_000));
    const policy: ExchangePolicy = {
      timeoutMs: 200,
      requestTimeoutMs: 450,
      retry: { codes: new Set([504]), attempts: 5, backoffMs: 1 },
    };
    const res = send(policy);
    jest.advanceTimersByTime(449);
    expect(res.headersSent).toBe(false);
    expect(upstream.attempts).toHaveLength(3); // at 0, 201 and 402 ms
    jest.advanceTimersByTime(1);
    expect([res.status, res.sentHeaders['x-weft-error']]).toEqual([504, 'upstream_timeout']);
    expect(upstream.attempts.every((t) => t.aborted)).toBe(true);
    jest.runAllTimers();
    expect(upstream.attempts).toHaveLength(3);
  });

  it('answers 504 when no answer began in time, even with 504 listed for retries', () => {
    svc.scriptAll(answer(200, 1_000));
    const res = send({ ...RETRY_503, timeoutMs: 5_000, requestTimeoutMs: 300 });
    jest.advanceTimersByTime(300);
    expect(res.status).toBe(504);
    jest.runAllTimers();
    expect(upstream.attempts).toHaveLength(1);
  });

  it('covers the response body: an answer whose body stalls past it is cut, the client reset', () => {
    svc.scriptAll(stallBody(1_000));
    const res = send({ timeoutMs: 200, requestTimeoutMs: 500 });
    expect([res.status, res.body]).toEqual([200, 'first']);
    jest.advanceTimersByTime(499);
    expect(res.destroyed).toBe(false);
    jest.advanceTimersByTime(1);
    expect(upstream.attempts[0].aborted).toBe(true);
    expect([res.destroyed, res.writableFinished, res.body]).toEqual([true, false, 'first']);
  });

  it('lets an answer complete within it, and leaves no timer behind', () => {
    svc.scriptAll(stallBody(400));
    const res = send({ timeoutMs: 200, requestTimeoutMs: 500 });
    jest.advanceTimersByTime(400);
    expect([res.body, res.writableFinished]).toEqual(['firstrest', true]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('is dropped with the exchange when the client leaves', () => {
    svc.scriptAll(answer(200, 1_000));
    const res = send({ timeoutMs: 200, requestTimeoutMs: 500 });
    expect(jest.getTimerCount()).toBe(3); // the upstream's answer, the try's and the request's timers
    res.destroy();
    expect(upstream.attempts[0].aborted).toBe(true);
    expect(jest.getTimerCount()).toBe(1);
  });

  it('drops a retry waiting out its backoff once it passes, with 504', () => {
    // The 503's body ends at 100 ms: its retry would wait until 200, past the timeout at 150.
    svc.scriptAll((attempt) => {
      setTimeout(() => attempt.headers(503), 10);
      setTimeout(() => attempt.end(), 100);
    });
    const retry = { codes: new Set([503]), attempts: 1, backoffMs: 100 };
    const res = send({ timeoutMs: 5_000, requestTimeoutMs: 150, retry });
    jest.advanceTimersByTime(149);
    expect(res.headersSent).toBe(false);
    jest.advanceTimersByTime(1);
    expect([res.status, res.sentHeaders['x-weft-error']]).toEqual([504, 'upstream_timeout']);
    jest.runAllTimers();
    expect(upstream.attempts).toHaveLength(1);
    expect(svc.ctx.retries).toEqual(['status_503']);
  });
});
