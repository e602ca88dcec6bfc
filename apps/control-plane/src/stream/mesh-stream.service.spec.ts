// The live stream: what a follower gets first, stats ticks, proxy changes, events, and its teardown.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { Heartbeat, MeshStats, ProxyAck } from '@app/protocol';
import { processMetrics, type NatsClient } from '@app/runtime';
import type { ConfigStore } from '../config/config-store.service.js';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { ProxyRegistry } from '../proxies/proxy-registry.service.js';
import type { MeshStatsService } from '../stats/mesh-stats.service.js';
import {
  MeshStream,
  RECENT_EVENTS,
  STATS_PUSH_INTERVAL_MS,
  type StreamEvent,
} from './mesh-stream.service.js';

const EMPTY: MeshStats = { windowMs: 30_000, services: [], edges: [], routes: [] };

const heartbeat = (state: Heartbeat['state']): Heartbeat =>
  ({
    v: 1,
    proxyId: 'api-1',
    instanceId: 'api-1',
    mode: 'sidecar',
    namespace: 'default',
    service: 'api',
    state,
  }) as Heartbeat;

const ack = (revision: number): ProxyAck =>
  ({
    v: 1,
    proxyId: 'api-1',
    mode: 'sidecar',
    namespace: 'default',
    service: 'api',
    revision,
    status: 'ACK',
  }) as ProxyAck;

/** `weft_stream_clients` as /metrics shows it. */
async function followers(): Promise<number> {
  const line = (await processMetrics.render())
    .split('\n')
    .find((l) => l.startsWith('weft_stream_clients'));
  return Number(line?.split(' ').at(-1));
}

describe('MeshStream', () => {
  let proxies: ProxyRegistry;
  let current: jest.Mock<() => MeshStats>;
  let stream: MeshStream;

  beforeEach(() => {
    // Its own sweeper is not the stream's: started before the fake timers the stream is judged by.
    proxies = new ProxyRegistry(new ControlPlaneEnv(), new EventEmitter() as NatsClient);
    jest.useFakeTimers();
    current = jest.fn<() => MeshStats>(() => EMPTY);
    const stats = { current } as unknown as MeshStatsService;
    stream = new MeshStream(stats, proxies, { currentRevision: 7 } as ConfigStore);
  });

  afterEach(() => {
    proxies.onApplicationShutdown();
    jest.useRealTimers();
  });

  function follow(): { events: StreamEvent[]; stop: () => void } {
    const events: StreamEvent[] = [];
    const sub = stream.follow().subscribe((e) => events.push(e));
    return { events, stop: () => sub.unsubscribe() };
  }

  it('starts a follower with the proxies, the stats and the recent events', () => {
    proxies.onAck(ack(7));
    stream.onEvent({ name: 'config.applied', at: 'now', data: { revision: 7 } });
    const { events, stop } = follow();
    expect(events.map((e) => e.type)).toEqual(['proxies', 'stats', 'event']);
    expect(events[0].data).toMatchObject({ revision: 7, items: [{ id: 'api-1', status: 'ACK' }] });
    stop();
  });

  it('pushes stats every interval, one aggregation per tick for all followers', () => {
    const a = follow();
    const b = follow();
    current.mockClear();
    jest.advanceTimersByTime(STATS_PUSH_INTERVAL_MS * 3);
    expect(current).toHaveBeenCalledTimes(3);
    expect(a.events.filter((e) => e.type === 'stats')).toHaveLength(4);
    expect(b.events.filter((e) => e.type === 'stats')).toHaveLength(4);
    a.stop();
    b.stop();
  });

  it('relays proxy status changes, not every heartbeat', () => {
    const { events, stop } = follow();
    proxies.onHeartbeat(heartbeat('ready'));
    proxies.onHeartbeat(heartbeat('ready'));
    proxies.onAck(ack(3));
    proxies.onAck(ack(3));
    proxies.onHeartbeat(heartbeat('down'));
    expect(events.slice(2).map((e) => [e.type, e.data])).toEqual([
      ['proxy', expect.objectContaining({ id: 'api-1', state: 'ready', revision: null })],
      ['proxy', expect.objectContaining({ id: 'api-1', state: 'ready', revision: 3 })],
      ['proxy-removed', { id: 'api-1' }],
    ]);
    stop();
  });

  it('keeps only the most recent events for new followers', () => {
    for (let i = 0; i < RECENT_EVENTS + 5; i++)
      stream.onEvent({ name: 'config.applied', at: 'now', data: { revision: i } });
    const { events, stop } = follow();
    const replayed = events.filter((e) => e.type === 'event');
    expect(replayed).toHaveLength(RECENT_EVENTS);
    expect(replayed[0].data).toMatchObject({ data: { revision: 5 } });
    stop();
  });

  it('holds no timer and no follower once the last one leaves', async () => {
    const a = follow();
    const b = follow();
    expect(await followers()).toBe(2);
    a.stop();
    b.stop();
    expect(await followers()).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
    current.mockClear();
    jest.advanceTimersByTime(STATS_PUSH_INTERVAL_MS * 5);
    expect(current).not.toHaveBeenCalled();
    proxies.onHeartbeat(heartbeat('ready'));
    expect(a.events.at(-1)?.type).toBe('stats');
  });
});
