// SnapshotPublisher: a snapshot every interval; with the bus away it drops and counts, never throws.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { pino } from 'pino';
import { MetricsSnapshot, decodeMessage } from '@app/protocol';
import type { NatsClient } from '@app/runtime';
import type { DataPlaneEngine } from '../engine.js';
import { DEFAULT_LISTENER_LIMITS } from '../http/listener-limits.js';
import { TrafficStats } from '../metrics/traffic-stats.js';
import type { ProxyOptions } from './proxy-options.js';
import { SnapshotPublisher } from './snapshot-publisher.service.js';

const options: ProxyOptions = {
  identity: { proxyId: 'web-1', mode: 'sidecar', namespace: 'shop', service: 'web' },
  serviceAccount: 'web',
  subjectPrefix: 'weft',
  stateDir: '/nonexistent',
  accessLog: { stdout: false, publishPerSecond: 0, sampleRatio: 1 },
  telemetry: { publish: true, intervalMs: 1_000 },
  limits: DEFAULT_LISTENER_LIMITS,
  overload: { maxConnections: 0, maxRssBytes: 0, maxHeapBytes: 0, maxEventLoopLagMs: 0 },
};

describe('SnapshotPublisher', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  function publisher(linked: () => boolean): {
    engine: DataPlaneEngine;
    sent: { subject: string; payload: Uint8Array }[];
    publisher: SnapshotPublisher;
  } {
    // The publisher reads only the engine's traffic stats.
    const engine = { stats: new TrafficStats('shop/web') } as DataPlaneEngine;
    const sent: { subject: string; payload: Uint8Array }[] = [];
    const nats = {
      tryPublish: (subject: string, payload: Uint8Array) =>
        linked() && sent.push({ subject, payload }) > 0,
    } as unknown as NatsClient;
    const log = pino({ level: 'silent' });
    return { engine, sent, publisher: new SnapshotPublisher(options, engine, nats, log) };
  }

  it('publishes every interval on the proxy subject, one window each', () => {
    const { engine, sent, publisher: p } = publisher(() => true);
    p.onApplicationBootstrap();
    engine.stats.unrouted.record('GET', 404, 1);
    jest.advanceTimersByTime(1_000);
    jest.advanceTimersByTime(1_000);
    p.onApplicationShutdown();
    expect(sent.map((s) => s.subject)).toEqual([
      'weft.v1.telemetry.metrics.shop.web.web-1',
      'weft.v1.telemetry.metrics.shop.web.web-1',
    ]);
    const [first, second] = sent.map((s) => {
      const decoded = decodeMessage(MetricsSnapshot, s.payload, s.subject);
      if (!decoded.ok) throw new Error(JSON.stringify(decoded.errors));
      return decoded.value;
    });
    expect(first.windowMs).toBe(1_000);
    expect(first.edges).toEqual([expect.objectContaining({ requests: 1 })]);
    expect(second.edges).toEqual([]);
  });

  it('drops and counts snapshots while the bus is away; the window after covers one interval', () => {
    let linked = false;
    const { engine, sent, publisher: p } = publisher(() => linked);
    engine.stats.unrouted.record('GET', 404, 1);
    expect(() => p.publish()).not.toThrow();
    expect(p.dropped).toBe(1);
    linked = true;
    jest.advanceTimersByTime(1_000);
    engine.stats.unrouted.record('GET', 200, 1);
    p.publish();
    expect(p.published).toBe(1);
    const decoded = decodeMessage(MetricsSnapshot, sent[0].payload, 'x');
    expect(decoded.ok && decoded.value.edges[0].requests).toBe(1);
    expect(decoded.ok && decoded.value.windowMs).toBe(1_000);
  });
});
