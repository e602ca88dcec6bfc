// Unit spec for overload shedding: while the manager sheds, a request is answered 503 `overloaded`
// (closing its connection) and counted, and the request path never sees it; otherwise it passes.
import { describe, expect, it } from '@jest/globals';
import type { Exchange } from '../exchange.js';
import { fakeExchange, recordedResponse } from '../http/http-doubles.testing.js';
import { OverloadManager, SAMPLE_MS, type ProcessLoad } from './overload-manager.js';
import { shedWhenOverloaded } from './overload-shedding.layer.js';

/** A manager whose heap is at `heapUsed` bytes against a 100-byte threshold, sampled at start. */
function managerAt(heapUsed: number): OverloadManager {
  const load: ProcessLoad = {
    memory: () => ({ rss: 0, heapUsed }),
    lag: { start: () => undefined, stop: () => undefined, take: () => 0 },
  };
  const thresholds = { maxConnections: 0, maxRssBytes: 0, maxHeapBytes: 100, maxEventLoopLagMs: 0 };
  const manager = new OverloadManager(thresholds, () => undefined, load);
  manager.start();
  manager.stop();
  return manager;
}

describe('shedWhenOverloaded', () => {
  it('hands a request to the request path while the proxy is not shedding', () => {
    const seen: Exchange[] = [];
    const manager = managerAt(50);
    const ex = fakeExchange();
    shedWhenOverloaded(manager, (e) => seen.push(e))(ex);
    expect(seen).toEqual([ex]);
    expect(manager.shedRequests).toBe(0);
  });

  it('answers 503 overloaded with retry-after, closes the connection and counts it while shedding', () => {
    const seen: Exchange[] = [];
    const manager = managerAt(100);
    const res = recordedResponse();
    shedWhenOverloaded(manager, (e) => seen.push(e))(fakeExchange(undefined, res));
    expect(seen).toEqual([]);
    expect([res.status, res.sentHeaders['x-weft-error'], res.sentHeaders['retry-after']]).toEqual([
      503,
      'overloaded',
      String(SAMPLE_MS / 1_000),
    ]);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'overloaded' });
    expect(res.shouldKeepAlive).toBe(false);
    expect(manager.shedRequests).toBe(1);
  });
});
