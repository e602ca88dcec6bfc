// The stats service on the clock: snapshots age out of the window as time passes; Services by selector.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { SNAPSHOT_LATENCY_BOUNDS_MS, type EndpointSet, type MetricsSnapshot } from '@app/protocol';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import type { EndpointPublisher } from '../discovery/endpoint-publisher.service.js';
import { MeshStatsService } from './mesh-stats.service.js';

const WINDOW_MS = 10_000;

function served(proxyId: string, requests: number): MetricsSnapshot {
  return {
    v: 1,
    proxyId,
    mode: 'sidecar',
    namespace: 'default',
    service: 'api',
    windowMs: 1_000,
    sentAt: Date.now(),
    edges: [
      {
        direction: 'inbound',
        source: 'default/web',
        destination: 'default/api',
        requests,
        failures: 0,
        latencyBuckets: SNAPSHOT_LATENCY_BOUNDS_MS.map(() => 0).concat(requests),
      },
    ],
  };
}

const endpointSet = (service: string, ...instanceIds: string[]): EndpointSet =>
  ({
    v: 1,
    namespace: 'default',
    service,
    endpoints: instanceIds.map((instanceId) => ({ instanceId })),
    updatedAt: 0,
  }) as EndpointSet;

describe('MeshStatsService', () => {
  let sets: EndpointSet[];
  let stats: MeshStatsService;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    sets = [];
    const env = Object.assign(new ControlPlaneEnv(), { WEFT_STATS_WINDOW_MS: WINDOW_MS });
    stats = new MeshStatsService(env, { endpointSets: () => sets } as EndpointPublisher);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('forgets a snapshot once it is older than the window', () => {
    stats.onSnapshot(served('api-1', 10));
    jest.advanceTimersByTime(4_000);
    stats.onSnapshot(served('api-1', 20));
    expect(stats.current().services[0].requests).toBe(30);
    jest.advanceTimersByTime(WINDOW_MS - 4_000 + 1);
    expect(stats.current().services[0].requests).toBe(20);
    jest.advanceTimersByTime(4_000);
    expect(stats.current()).toMatchObject({ windowMs: WINDOW_MS, services: [] });
  });

  it('counts an instance for the Services whose endpoint sets hold it now', () => {
    stats.onSnapshot(served('api-1', 10));
    stats.onSnapshot(served('api-2', 5));
    expect(stats.current().services.map((s) => [s.service, s.requests])).toEqual([
      ['default/api', 15],
    ]);
    sets = [endpointSet('api', 'api-1', 'api-2'), endpointSet('api-v2', 'api-2')];
    expect(stats.current().services.map((s) => [s.service, s.requests])).toEqual([
      ['default/api', 15],
      ['default/api-v2', 5],
    ]);
  });
});
