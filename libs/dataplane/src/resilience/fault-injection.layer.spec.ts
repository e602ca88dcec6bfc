// Unit spec for the fault-injection layer: delay and abort shares (fractions too), the delay on fake timers.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { Exchange } from '../exchange.js';
import type { FaultSettings } from '../upstream/cluster-policy.js';
import { commitTraffic } from '../upstream/cluster-policy.testing.js';
import { Cluster } from '../upstream/cluster.js';
import { fakeExchange, recordedResponse } from '../http/http-doubles.testing.js';
import { faultAbort, faultDelay } from './fault-injection.layer.js';

function cluster(faults?: Partial<FaultSettings>): Cluster {
  const all = { delayPercent: 0, delayMs: 0, abortPercent: 0, abortStatus: 503, ...faults };
  const traffic = { loadBalancer: { type: 'RoundRobin' as const }, faults: faults && all };
  return commitTraffic(new Cluster('shop/api'), traffic);
}

/** An exchange routed to `cl`. */
function to(cl: Cluster, res = recordedResponse()): Exchange {
  const ex = fakeExchange(undefined, res);
  ex.cluster = cl;
  return ex;
}

/** How many of `n` evenly spread draws of Math.random a step hits. */
function hits(n: number, step: () => boolean): number {
  const random = jest.spyOn(Math, 'random');
  let count = 0;
  for (let i = 0; i < n; i++) {
    random.mockReturnValueOnce(i / n);
    if (step()) count++;
  }
  random.mockRestore();
  return count;
}

describe('fault injection layer', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('passes every request on without faults, or with 0 shares', () => {
    const resume = jest.fn<(ex: Exchange) => void>();
    for (const cl of [cluster(), cluster({ delayMs: 100 })]) {
      const res = recordedResponse();
      const ex = to(cl, res);
      expect(faultDelay(resume)(ex)).toBe('next');
      expect(faultAbort(ex)).toBe('next');
      expect(res.headersSent).toBe(false);
    }
    jest.runAllTimers();
    expect(resume).not.toHaveBeenCalled();
  });

  it('aborts its share with the configured status and x-weft-error: fault_abort', () => {
    const cl = cluster({ abortPercent: 20, abortStatus: 418 });
    expect(hits(1_000, () => faultAbort(to(cl)) === 'answered')).toBe(200);
    const res = recordedResponse();
    jest.spyOn(Math, 'random').mockReturnValueOnce(0.1);
    expect(faultAbort(to(cl, res))).toBe('answered');
    expect(res.status).toBe(418);
    expect(res.sentHeaders['x-weft-error']).toBe('fault_abort');
    expect(JSON.parse(res.body)).toEqual({
      error: 'fault_abort',
      message: 'shop/api: injected fault',
    });
  });

  it('takes fractional shares as Istio does: 0.1 is one request in a thousand', () => {
    const cl = cluster({ abortPercent: 0.1, delayPercent: 0.1, delayMs: 5 });
    expect(hits(10_000, () => faultAbort(to(cl)) === 'answered')).toBe(10);
    const delay = faultDelay(jest.fn<(ex: Exchange) => void>());
    expect(hits(10_000, () => delay(to(cl)) === 'held')).toBe(10);
  });

  it('holds a delayed request for the fixed delay, then resumes it (the exchange, no closure)', () => {
    const ex = to(cluster({ delayPercent: 100, delayMs: 300 }));
    const resume = jest.fn<(ex: Exchange) => void>();
    expect(faultDelay(resume)(ex)).toBe('held');
    jest.advanceTimersByTime(299);
    expect(resume).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(resume).toHaveBeenCalledTimes(1);
    expect(resume).toHaveBeenCalledWith(ex);
  });

  it('drops a delayed request whose client left during the delay', () => {
    const res = recordedResponse();
    const resume = jest.fn<(ex: Exchange) => void>();
    faultDelay(resume)(to(cluster({ delayPercent: 100, delayMs: 300 }), res));
    res.destroy();
    jest.advanceTimersByTime(300);
    expect(resume).not.toHaveBeenCalled();
  });

  it('delays its share only', () => {
    const cl = cluster({ delayPercent: 10, delayMs: 50 });
    const resume = jest.fn<(ex: Exchange) => void>();
    const delay = faultDelay(resume);
    expect(hits(1_000, () => delay(to(cl)) === 'held')).toBe(100);
    jest.advanceTimersByTime(50);
    expect(resume).toHaveBeenCalledTimes(100);
  });
});
