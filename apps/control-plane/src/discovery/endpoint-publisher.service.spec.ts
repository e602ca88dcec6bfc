// EndpointPublisher with fake timers: bursts merged into one write, a removal never held longer than
// the quiet period, a Service's sets published with its apply, writes issued together, retries.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { KV } from '@nats-io/kv';
import { pino } from 'pino';
import { parseResource, type Heartbeat, type Resource } from '@app/protocol';
import type { NatsClient } from '@app/runtime';
import type { ConfigAnnouncer } from '../config/config-announcer.service.js';
import type { BeforeMarker } from '../config/config-commit.js';
import type { ConfigStore } from '../config/config-store.service.js';
import { RecordingBucket } from '../config/recording-bucket.fake.js';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import type { LeaderElection } from '../leader/leader-election.service.js';
import { EndpointPublisher } from './endpoint-publisher.service.js';
import { InstanceRegistry } from './instance-registry.service.js';

const QUIET_MS = 50;

function beat(instanceId: string, service: string, state: Heartbeat['state'] = 'ready'): Heartbeat {
  return {
    v: 1,
    namespace: 'default',
    service,
    serviceAccount: service,
    instanceId,
    proxyId: instanceId,
    mode: 'sidecar',
    address: '127.0.0.1',
    port: 15006,
    labels: { app: service },
    state,
    sentAt: Date.now(),
  };
}

function service(name: string, selector: Record<string, string>): Resource {
  const r = parseResource({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector },
  });
  if (!r.ok) throw new Error('bad fixture');
  return r.value;
}

describe('EndpointPublisher', () => {
  const log = pino({ level: 'silent' });
  const env = Object.assign(new ControlPlaneEnv(), {
    WEFT_HEARTBEAT_INTERVAL_MS: 1_000,
    WEFT_HEARTBEAT_MISSES: 3,
    WEFT_DEBOUNCE_MS: QUIET_MS,
    WEFT_DEBOUNCE_MAX_MS: 500,
  });
  let bucket: RecordingBucket;
  let registry: InstanceRegistry;
  let services: Resource[];
  let store: EventEmitter;
  let beforeMarker: BeforeMarker | undefined;
  let publisher: EndpointPublisher;

  /** The instance ids the bucket holds for a Service, undefined before its first write. */
  const written = (name: string): string[] | undefined => {
    const raw = bucket.values.get(`endpoints.default.${name}`);
    if (!raw) return undefined;
    return (JSON.parse(raw) as { endpoints: { instanceId: string }[] }).endpoints.map(
      (e) => e.instanceId,
    );
  };
  const endpointWrites = (): string[] => bucket.writes.filter((w) => w.includes('endpoints.'));

  /** Announcements made, in order: key and whether a value went with it. */
  let announced: string[] = [];
  const announcer = {
    announce: (key: string, _seq: number, json: string | undefined) =>
      void announced.push(`${json === undefined ? 'del' : 'put'} ${key}`),
  } as ConfigAnnouncer;

  async function start(lead = true): Promise<void> {
    announced = [];
    publisher = new EndpointPublisher(
      store as ConfigStore,
      registry,
      { assertLeader: () => undefined } as unknown as LeaderElection,
      announcer,
      env,
      log,
    );
    await publisher.attach(bucket as unknown as KV);
    if (lead) await publisher.lead();
  }

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    bucket = new RecordingBucket();
    registry = new InstanceRegistry(env, new EventEmitter() as unknown as NatsClient, log);
    services = [];
    beforeMarker = undefined;
    store = Object.assign(new EventEmitter(), {
      resources: (kind?: string) => services.filter((r) => !kind || r.kind === kind),
      beforeEachMarker: (hook: BeforeMarker) => (beforeMarker = hook),
    });
  });
  afterEach(() => {
    publisher.onApplicationShutdown();
    registry.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('merges a burst of registrations into one write, a quiet period after the last', async () => {
    await start();
    registry.onHeartbeat(beat('a1', 'a'));
    await jest.advanceTimersByTimeAsync(30);
    registry.onHeartbeat(beat('a2', 'a'));
    await jest.advanceTimersByTimeAsync(QUIET_MS - 1);
    expect(written('a')).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(written('a')).toEqual(['a1', 'a2']);
    expect(endpointWrites()).toEqual(['put endpoints.default.a']);
    // Heartbeats that repeat what is known write nothing.
    registry.onHeartbeat(beat('a1', 'a'));
    await jest.advanceTimersByTimeAsync(1_000);
    expect(endpointWrites()).toHaveLength(1);
  });

  it('publishes a leaving instance within the quiet period while other changes keep coming', async () => {
    await start();
    registry.onHeartbeat(beat('a1', 'a'));
    registry.onHeartbeat(beat('a2', 'a'));
    await jest.advanceTimersByTimeAsync(QUIET_MS);
    registry.onHeartbeat(beat('a1', 'a', 'draining'));
    // New instances every 20 ms: alone, they would postpone a pass to the 500 ms maximum.
    for (let i = 0; i < 2; i++) {
      await jest.advanceTimersByTimeAsync(20);
      registry.onHeartbeat(beat(`b${i}`, 'b'));
    }
    await jest.advanceTimersByTimeAsync(QUIET_MS - 40);
    expect(written('a')).toEqual(['a2']);
  });

  it('publishes the sets of an applied Service at once, without waiting for the quiet period', async () => {
    await start();
    registry.onHeartbeat(beat('a1', 'a'));
    await jest.advanceTimersByTimeAsync(QUIET_MS);
    services = [service('a-canary', { app: 'a' })];
    store.emit('changed');
    await jest.advanceTimersByTimeAsync(0);
    expect(written('a-canary')).toEqual(['a1']);
  });

  it('writes the sets of the Services a commit adds before the commit writes its marker', async () => {
    await start();
    registry.onHeartbeat(beat('a1', 'a'));
    await jest.advanceTimersByTimeAsync(QUIET_MS);
    // The commit awaits the hook between its resources and its marker.
    await beforeMarker!([service('a-canary', { app: 'a' })]);
    expect(written('a-canary')).toEqual(['a1']);
    // The revision it commits then changes nothing more.
    services = [service('a-canary', { app: 'a' })];
    store.emit('changed');
    await jest.advanceTimersByTimeAsync(0);
    expect(endpointWrites()).toEqual(['put endpoints.default.a', 'put endpoints.default.a-canary']);
  });

  it("writes and announces each instance's membership after the sets listing it, and deletes it once it is in none", async () => {
    await start();
    const member = (id: string): unknown => {
      const raw = bucket.values.get(`member.default.${id}`);
      return raw === undefined ? undefined : (JSON.parse(raw) as { services: string[] }).services;
    };
    registry.onHeartbeat(beat('a1', 'a'));
    await jest.advanceTimersByTimeAsync(QUIET_MS);
    expect(member('a1')).toEqual(['default/a']);
    expect(announced).toEqual(['put endpoints.default.a', 'put member.default.a1']);
    // A second Service selecting the instance: its set, then the membership naming both.
    await beforeMarker!([service('a-canary', { app: 'a' })]);
    expect(member('a1')).toEqual(['default/a', 'default/a-canary']);
    expect(announced.slice(2)).toEqual(['put endpoints.default.a-canary', 'put member.default.a1']);
    registry.onHeartbeat(beat('a1', 'a', 'draining'));
    await jest.advanceTimersByTimeAsync(QUIET_MS);
    expect(member('a1')).toBeUndefined();
    expect(announced.at(-1)).toBe('del member.default.a1');
  });

  it('writes the sets one pass changed together, not one round trip at a time', async () => {
    await start();
    for (const name of ['a', 'b', 'c', 'd']) registry.onHeartbeat(beat(`${name}1`, name));
    await jest.advanceTimersByTimeAsync(QUIET_MS);
    expect(endpointWrites()).toHaveLength(4);
    expect(bucket.maxInFlight).toBe(4);
  });

  it('computes sets as a follower without writing; taking over writes what the bucket lacks', async () => {
    await start(false);
    registry.onHeartbeat(beat('a1', 'a'));
    await jest.advanceTimersByTimeAsync(QUIET_MS);
    expect(publisher.endpointSets().map((s) => s.service)).toEqual(['a']);
    expect(endpointWrites()).toEqual([]);
    await publisher.lead();
    await jest.advanceTimersByTimeAsync(0);
    expect(written('a')).toEqual(['a1']);
  });

  it('retries a write that failed', async () => {
    await start();
    bucket.failOnPut = 1;
    registry.onHeartbeat(beat('a1', 'a'));
    await jest.advanceTimersByTimeAsync(QUIET_MS);
    expect(written('a')).toBeUndefined();
    await jest.advanceTimersByTimeAsync(500);
    expect(written('a')).toEqual(['a1']);
  });
});
