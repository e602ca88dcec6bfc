// Unit spec for the forwarder's mirrors against scripted endpoints: a copy sent, its answer dropped.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { trace } from '@opentelemetry/api';
import { fakeExchange, fakeRequest } from '../http/http-doubles.testing.js';
import { ProxyMetrics } from '../metrics/proxy-metrics.js';
import { TrafficStats } from '../metrics/traffic-stats.js';
import { HopTracer } from '../telemetry/hop-tracer.js';
import { Cluster } from './cluster.js';
import { ClusterRegistry } from './cluster-registry.js';
import { endpoint } from './endpoint.js';
import { Forwarder } from './forwarder.js';
import type { PoolRegistry } from './pool-registry.js';
import { answer, ScriptedUpstream } from './scripted-upstream.testing.js';

const shadowEndpoint = endpoint('s', '10.0.0.9', 80);

describe('Forwarder', () => {
  let upstream: ScriptedUpstream;
  let forwarder: Forwarder;
  let metrics: ProxyMetrics;
  let shadow: Cluster;

  beforeEach(() => {
    jest.useFakeTimers();
    upstream = new ScriptedUpstream();
    metrics = new ProxyMetrics(new TrafficStats('shop/web'), new ClusterRegistry());
    forwarder = new Forwarder(
      upstream as unknown as PoolRegistry,
      metrics,
      new HopTracer(trace.getTracer('spec')),
      { ejectMs: 5_000, bodyTimeoutMs: 60_000, caller: 'shop/web' },
    );
    shadow = new Cluster('shop/shadow');
    shadow.setEndpoints([shadowEndpoint]);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('counts the upstream layers’ retries and refusals on the proxy’s metrics', () => {
    forwarder.retried('status_503');
    forwarder.retried('status_503');
    forwarder.overflowed('pending');
    expect([...metrics.upstreamRetries.entries()]).toEqual([['status_503', 2]]);
    expect([...metrics.upstreamOverflows.entries()]).toEqual([['pending', 1]]);
  });

  describe('mirror', () => {
    const mirror = (percent = 100, upgrade = false) => {
      const req = fakeRequest({ upgrade, headers: upgrade ? { upgrade: 'websocket' } : {} });
      const ex = fakeExchange(req);
      ex.path = '/new';
      forwarder.mirror(ex, { cluster: shadow, percent });
    };

    it('sends a copy to the mirror, its answer dropped', () => {
      upstream.script(shadowEndpoint.origin, answer(500, 0, 'shadow'));
      mirror();
      jest.runAllTimers();
      expect(upstream.attempts.map((t) => [t.origin, t.options.path, t.done])).toEqual([
        [shadowEndpoint.origin, '/new', true],
      ]);
    });

    it('mirrors its percent of requests only', () => {
      const random = jest.spyOn(Math, 'random');
      random.mockReturnValueOnce(0.09);
      mirror(10);
      random.mockReturnValueOnce(0.1);
      mirror(10);
      expect(upstream.attempts).toHaveLength(1);
    });

    it('does not mirror an upgrade, nor to a mirror that resolves to no Service', () => {
      mirror(100, true);
      forwarder.mirror(fakeExchange(), { cluster: undefined, percent: 100 });
      expect(upstream.attempts).toHaveLength(0);
    });
  });
});
