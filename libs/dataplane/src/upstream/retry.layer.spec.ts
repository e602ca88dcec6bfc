// Unit spec for the retry layer, on fake timers against scripted endpoints: which answers and failures
// are tried again, where, how far apart, and which limits keep a retry from being made.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { fakeExchange, fakeRequest, recordedResponse } from '../http/http-doubles.testing.js';
import type { ExchangePolicy } from '../routing/route-table.js';
import type { Cluster } from './cluster.js';
import { answer, failWith, type ScriptedUpstream } from './scripted-upstream.testing.js';
import {
  A,
  B,
  fakeTime,
  realTime,
  RETRY_503,
  ScriptedService,
} from './upstream-doubles.testing.js';

describe('retry layer', () => {
  let svc: ScriptedService;
  let upstream: ScriptedUpstream;
  let cluster: Cluster;

  beforeEach(() => {
    fakeTime();
    svc = new ScriptedService();
    ({ upstream, cluster } = svc);
  });

  afterEach(realTime);

  /** Starts one exchange through the upstream half (a GET, which may be resent, unless told otherwise). */
  const send = (policy: ExchangePolicy, method = 'GET') =>
    svc.send(policy, fakeExchange(fakeRequest({ method }), recordedResponse()));

  describe('retries', () => {
    it('retries a listed status up to the attempts, at least backoff apart, then passes the last answer on', () => {
      svc.scriptAll(answer(503));
      const res = send(RETRY_503);
      expect(upstream.tried).toEqual([A.origin]);
      jest.advanceTimersByTime(9);
      expect(upstream.tried).toHaveLength(1);
      jest.advanceTimersByTime(1);
      expect(upstream.tried).toEqual([A.origin, B.origin]);
      jest.runAllTimers();
      expect(upstream.tried).toEqual([A.origin, B.origin, A.origin]);
      expect([res.status, res.body, res.sentHeaders['x-weft-overflow']]).toEqual([
        503,
        'upstream',
        undefined,
      ]);
      expect(svc.ctx.retries).toEqual(['status_503', 'status_503']);
    });

    it('passes an unlisted status on at once, and does not resend what may not be resent', () => {
      svc.scriptAll(answer(500));
      const unlisted = send(RETRY_503);
      jest.advanceTimersByTime(0);
      expect([unlisted.status, upstream.attempts.length]).toEqual([500, 1]);
      svc.scriptAll(answer(503));
      const res = send(RETRY_503, 'POST');
      jest.runAllTimers();
      expect(res.status).toBe(503);
      expect(upstream.attempts).toHaveLength(2);
    });

    it('answers 503 no_endpoints when the Service loses every endpoint during the backoff', () => {
      svc.scriptAll(answer(503));
      const res = send(RETRY_503);
      cluster.setEndpoints([]);
      expect(() => jest.runAllTimers()).not.toThrow();
      expect([res.status, res.sentHeaders['x-weft-error']]).toEqual([503, 'no_endpoints']);
      expect(upstream.tried).toEqual([A.origin]);
    });

    it('does not retry past the retry budget, and says so', () => {
      svc.configure({ retryBudget: { ratio: 0, minPerSecond: 0, ttlMs: 10_000 } });
      svc.scriptAll(answer(503));
      const res = send(RETRY_503);
      jest.runAllTimers();
      expect([res.status, res.sentHeaders['x-weft-overflow']]).toEqual([503, 'retry_budget']);
      expect([upstream.attempts.length, svc.ctx.overflows]).toEqual([1, ['retry_budget']]);
    });

    it('does not retry past maxRetries, and says so', () => {
      svc.configure({ limits: { maxConnections: 10, maxRequestsPerConnection: 0, maxRetries: 0 } });
      svc.scriptAll(answer(503));
      const res = send(RETRY_503);
      jest.runAllTimers();
      expect([res.status, res.sentHeaders['x-weft-overflow']]).toEqual([503, 'retries']);
      expect(upstream.attempts).toHaveLength(1);
    });

    it('retries a refused connection on the other endpoint at once and skips the refusing one', () => {
      upstream.script(A.origin, failWith('ECONNREFUSED'));
      const res = send({ timeoutMs: 5_000 });
      expect(upstream.tried).toEqual([A.origin, B.origin]);
      jest.advanceTimersByTime(0);
      expect(res.status).toBe(200);
      expect(svc.ctx.retries).toEqual(['connect_failure']);
      expect([cluster.pick()?.instanceId, cluster.pick()?.instanceId]).toEqual(['b', 'b']);
    });

    it('retries a try whose connection dropped before an answer like a 502, on the one endpoint there is', () => {
      // As over the bus, where the rpc subject is the one endpoint and NATS picks another responder.
      cluster.setEndpoints([A]);
      let drops = 1;
      upstream.script(A.origin, (attempt) =>
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
});
