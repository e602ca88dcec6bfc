// Unit spec for one exchange upstream, on fake timers against scripted endpoints: retries, limits, timeouts, failures.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { trace } from '@opentelemetry/api';
import { fakeRequest, recordedResponse } from '../http/http-doubles.testing.js';
import type { ExchangePolicy } from '../routing/route-table.js';
import { Cluster } from './cluster.js';
import type { TrafficSettings } from './cluster-policy.js';
import { commitTraffic } from './cluster-policy.testing.js';
import { endpoint } from './endpoint.js';
import {
  answer,
  failWith,
  ScriptedUpstream,
  stallBody,
  type Script,
} from './scripted-upstream.testing.js';
import { UpstreamExchange, type ExchangeContext } from './upstream-exchange.js';

const a = endpoint('a', '10.0.0.1', 80);
const b = endpoint('b', '10.0.0.2', 80);

const RETRY_503: ExchangePolicy = {
  timeoutMs: 5_000,
  retry: { codes: new Set([503, 504]), attempts: 2, backoffMs: 10 },
};

describe('UpstreamExchange', () => {
  let upstream: ScriptedUpstream;
  let cluster: Cluster;
  let retries: string[];
  let overflows: string[];

  beforeEach(() => {
    jest.useFakeTimers();
    // No jitter: each backoff is the route's minimum.
    jest.spyOn(Math, 'random').mockReturnValue(0);
    upstream = new ScriptedUpstream();
    retries = [];
    overflows = [];
    cluster = new Cluster('shop/api');
    cluster.setEndpoints([a, b]);
    configure({});
  });

  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  function configure(extra: Partial<TrafficSettings>): void {
    commitTraffic(cluster, { loadBalancer: { type: 'RoundRobin' }, ...extra });
  }

  function scriptBoth(script: Script): void {
    upstream.script(a.origin, script).script(b.origin, script);
  }

  /** Starts one exchange as the forwarder does (a retryable GET unless told otherwise). */
  function send(policy: ExchangePolicy, retryable = true) {
    const ctx: ExchangeContext = {
      pools: upstream,
      ejectMs: 5_000,
      onRetry: (reason) => retries.push(reason),
      onOverflow: (reason) => overflows.push(reason),
    };
    const req = fakeRequest();
    const res = recordedResponse();
    const options = { path: '/', method: 'GET' as const, headers: ['host', 'api'], body: null };
    const span = trace.getTracer('spec').startSpan('GET');
    cluster.policy.retryBudget?.deposit();
    const exchange = new UpstreamExchange(ctx, req, res, cluster, options, retryable, span, policy);
    exchange.send(cluster.pick()!);
    return res;
  }

  describe('retries', () => {
    it('retries a listed status up to the attempts, at least backoff apart, then passes the last answer on', () => {
      scriptBoth(answer(503));
      const res = send(RETRY_503);
      expect(upstream.tried).toEqual([a.origin]);
      jest.advanceTimersByTime(9);
      expect(upstream.tried).toHaveLength(1);
      jest.advanceTimersByTime(1);
      expect(upstream.tried).toEqual([a.origin, b.origin]);
      jest.runAllTimers();
      expect(upstream.tried).toEqual([a.origin, b.origin, a.origin]);
      expect([res.status, res.body, res.sentHeaders['x-weft-overflow']]).toEqual([
        503,
        'upstream',
        undefined,
      ]);
      expect(retries).toEqual(['status_503', 'status_503']);
    });

    it('passes an unlisted status on at once, and does not resend what may not be resent', () => {
      scriptBoth(answer(500));
      const unlisted = send(RETRY_503);
      jest.advanceTimersByTime(0);
      expect([unlisted.status, upstream.attempts.length]).toEqual([500, 1]);
      scriptBoth(answer(503));
      const res = send(RETRY_503, false);
      jest.runAllTimers();
      expect(res.status).toBe(503);
      expect(upstream.attempts).toHaveLength(2);
    });

    it('does not retry past the retry budget, and says so', () => {
      configure({ retryBudget: { ratio: 0, minPerSecond: 0, ttlMs: 10_000 } });
      scriptBoth(answer(503));
      const res = send(RETRY_503);
      jest.runAllTimers();
      expect([res.status, res.sentHeaders['x-weft-overflow']]).toEqual([503, 'retry_budget']);
      expect([upstream.attempts.length, overflows]).toEqual([1, ['retry_budget']]);
    });

    it('does not retry past maxRetries, and says so', () => {
      configure({ limits: { maxConnections: 10, maxRequestsPerConnection: 0, maxRetries: 0 } });
      scriptBoth(answer(503));
      const res = send(RETRY_503);
      jest.runAllTimers();
      expect([res.status, res.sentHeaders['x-weft-overflow']]).toEqual([503, 'retries']);
      expect(upstream.attempts).toHaveLength(1);
    });

    it('retries a refused connection on the other endpoint at once and skips the refusing one', () => {
      upstream.script(a.origin, failWith('ECONNREFUSED'));
      const res = send({ timeoutMs: 5_000 });
      expect(upstream.tried).toEqual([a.origin, b.origin]);
      jest.advanceTimersByTime(0);
      expect(res.status).toBe(200);
      expect(retries).toEqual(['connect_failure']);
      expect([cluster.pick()?.instanceId, cluster.pick()?.instanceId]).toEqual(['b', 'b']);
    });

    it('retries a try whose connection dropped before an answer like a 502, on the one endpoint there is', () => {
      // As over the bus, where the rpc subject is the one endpoint and NATS picks another responder.
      cluster.setEndpoints([a]);
      let drops = 1;
      upstream.script(a.origin, (attempt) =>
        drops-- > 0 ? attempt.fail('ECONNRESET') : attempt.respond(200, 'ok'),
      );
      const retry502 = {
        timeoutMs: 5_000,
        retry: { codes: new Set([502]), attempts: 1, backoffMs: 10 },
      };
      const res = send(retry502);
      jest.runAllTimers();
      expect([res.status, res.body, upstream.attempts.length]).toEqual([200, 'ok', 2]);
      drops = 1;
      const bare = send(RETRY_503);
      jest.runAllTimers();
      expect([bare.status, bare.sentHeaders['x-weft-error']]).toEqual([502, 'upstream_reset']);
    });
  });

  describe('per-try timeout (backendRequest)', () => {
    it('retries a try that timed out on the other endpoint, on time', () => {
      upstream.script(a.origin, answer(200, 2_000)).script(b.origin, answer(200, 0, 'from b'));
      const res = send({ ...RETRY_503, timeoutMs: 200 });
      jest.advanceTimersByTime(200);
      expect(upstream.attempts[0].aborted).toBe(true);
      // The backoff, then b's answer (a timer set while the clock ticks runs 1 ms later).
      jest.advanceTimersByTime(11);
      expect([res.status, res.body, upstream.tried]).toEqual([200, 'from b', [a.origin, b.origin]]);
      expect(retries).toEqual(['status_504']);
    });

    it('says which limit kept a timed-out try from being retried', () => {
      configure({ retryBudget: { ratio: 0, minPerSecond: 0, ttlMs: 10_000 } });
      scriptBoth(answer(200, 1_000));
      const res = send({ ...RETRY_503, timeoutMs: 100 });
      jest.advanceTimersByTime(100);
      expect([res.status, res.sentHeaders['x-weft-overflow']]).toEqual([504, 'retry_budget']);
    });

    it('stops counting once the answer began: a slow body is not cut by it (Envoy)', () => {
      scriptBoth(stallBody(1_000));
      const res = send({ timeoutMs: 200 });
      jest.advanceTimersByTime(1_000);
      expect([res.status, res.body, res.writableFinished]).toEqual([200, 'firstrest', true]);
    });
  });

  describe('request timeout (timeouts.request)', () => {
    it('ends the first try and every retry within it, with 504', () => {
      scriptBoth(answer(200, 1_000));
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
      scriptBoth(answer(200, 1_000));
      const res = send({ ...RETRY_503, timeoutMs: 5_000, requestTimeoutMs: 300 });
      jest.advanceTimersByTime(300);
      expect(res.status).toBe(504);
      jest.runAllTimers();
      expect(upstream.attempts).toHaveLength(1);
    });

    it('covers the response body: an answer whose body stalls past it is cut, the client reset', () => {
      scriptBoth(stallBody(1_000));
      const res = send({ timeoutMs: 200, requestTimeoutMs: 500 });
      expect([res.status, res.body]).toEqual([200, 'first']);
      jest.advanceTimersByTime(499);
      expect(res.destroyed).toBe(false);
      jest.advanceTimersByTime(1);
      expect(upstream.attempts[0].aborted).toBe(true);
      expect([res.destroyed, res.writableFinished, res.body]).toEqual([true, false, 'first']);
    });

    it('lets an answer complete within it, and leaves no timer behind', () => {
      scriptBoth(stallBody(400));
      const res = send({ timeoutMs: 200, requestTimeoutMs: 500 });
      jest.advanceTimersByTime(400);
      expect([res.body, res.writableFinished]).toEqual(['firstrest', true]);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('is dropped with the exchange when the client leaves', () => {
      scriptBoth(answer(200, 1_000));
      const res = send({ timeoutMs: 200, requestTimeoutMs: 500 });
      expect(jest.getTimerCount()).toBe(3); // the upstream's answer, the try's and the request's timers
      res.destroy();
      expect(upstream.attempts[0].aborted).toBe(true);
      expect(jest.getTimerCount()).toBe(1);
    });
  });
});
