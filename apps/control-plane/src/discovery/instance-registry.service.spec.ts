// InstanceRegistry: ready/draining/down heartbeats, TTL expiry, and no expiry while NATS is unreachable.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import type { Heartbeat } from '@app/protocol';
import type { NatsClient } from '@app/runtime';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { InstanceRegistry } from './instance-registry.service.js';

const T0 = 1_000_000;

function beat(
  instanceId: string,
  state: Heartbeat['state'] = 'ready',
  connection?: Heartbeat['connection'],
): Heartbeat {
  return {
    v: 1,
    namespace: 'default',
    service: 'b',
    serviceAccount: 'b',
    instanceId,
    proxyId: instanceId,
    mode: 'sidecar',
    address: '127.0.0.1',
    port: 15006,
    labels: { app: 'b' },
    state,
    sentAt: T0,
    connection,
  };
}

describe('InstanceRegistry', () => {
  let link: EventEmitter;
  let registry: InstanceRegistry;
  let changes: number;
  const env = Object.assign(new ControlPlaneEnv(), {
    WEFT_HEARTBEAT_INTERVAL_MS: 1_000,
    WEFT_HEARTBEAT_MISSES: 3,
  });

  beforeEach(() => {
    link = new EventEmitter();
    registry = new InstanceRegistry(env, link as unknown as NatsClient, pino({ level: 'silent' }));
    changes = 0;
    registry.on('changed', () => changes++);
  });

  afterEach(() => registry.onApplicationShutdown());

  const ids = () => registry.all().map((i) => `${i.instance.instanceId}:${i.ready}`);

  it('keeps the locality an instance announces, and a move to another zone is a change', () => {
    const east = { cluster: 'east', region: 'us-east', zone: 'a' };
    registry.onHeartbeat({ ...beat('b1'), ...east }, T0);
    registry.onHeartbeat({ ...beat('b1'), ...east }, T0 + 500);
    expect(registry.all()[0].instance).toMatchObject(east);
    expect(changes).toBe(1);
    registry.onHeartbeat({ ...beat('b1'), ...east, zone: 'b' }, T0 + 1_000);
    expect(registry.all()[0].instance.zone).toBe('b');
    expect(changes).toBe(2);
    // An older proxy's heartbeat names no locality: none is made up.
    registry.onHeartbeat(beat('b2'), T0);
    expect(Object.keys(registry.all()[1].instance)).not.toContain('cluster');
  });

  it('keeps the site an instance runs at; evicting removes only those picked, each told down', () => {
    const health: string[] = [];
    registry.on('health', (h) => health.push(`${h.instanceId}:${h.state}`));
    registry.onHeartbeat({ ...beat('b1'), site: 'edge-1' }, T0);
    registry.onHeartbeat(beat('b2'), T0);
    expect(registry.all()[0].instance.site).toBe('edge-1');
    // A heartbeat from another site is a change (the instance moved).
    registry.onHeartbeat({ ...beat('b1'), site: 'edge-2' }, T0 + 1);
    expect(changes).toBe(3);
    registry.evict((i) => i.site !== undefined, 'workload no longer registered');
    expect(ids()).toEqual(['b2:true']);
    expect(changes).toBe(4);
    expect(health).toEqual(['b1:ready', 'b2:ready', 'b1:down']);
  });

  it('registers instances; only ready ones are ready; repeated beats change nothing', () => {
    registry.onHeartbeat(beat('b1', 'starting'), T0);
    registry.onHeartbeat(beat('b2'), T0);
    registry.onHeartbeat(beat('b2'), T0 + 500);
    expect(ids()).toEqual(['b1:false', 'b2:true']);
    expect(changes).toBe(2);
  });

  it('lets only the identity that registered an instance id speak for it until it is gone', () => {
    registry.onHeartbeat(beat('b1'), T0);
    const other = { ...beat('b1', 'down'), service: 'evil', serviceAccount: 'evil' };
    expect(registry.heldByOther(other)).toMatchObject({ service: 'b', serviceAccount: 'b' });
    expect(registry.heldByOther({ ...beat('b1'), serviceAccount: 'other-sa' })).toBeDefined();
    expect(registry.heldByOther(beat('b1', 'down'))).toBeUndefined();
    // A draining instance still holds its id until its `down`; then anyone may take it.
    registry.onHeartbeat(beat('b1', 'draining'), T0 + 1);
    expect(registry.heldByOther(other)).toBeDefined();
    registry.onHeartbeat(beat('b1', 'down'), T0 + 2);
    expect(registry.heldByOther(other)).toBeUndefined();
  });

  it('holds at most its bound of instances: a new one past it is refused, those live stay', () => {
    const bounded = new InstanceRegistry(
      Object.assign(new ControlPlaneEnv(), { WEFT_MAX_INSTANCES: 2 }),
      link as unknown as NatsClient,
      pino({ level: 'silent' }),
    );
    try {
      for (const id of ['b1', 'b2', 'b3', 'b4']) bounded.onHeartbeat(beat(id), T0);
      bounded.onHeartbeat(beat('b1', 'starting'), T0 + 1);
      expect(bounded.all().map((i) => `${i.instance.instanceId}:${i.ready}`)).toEqual([
        'b1:false',
        'b2:true',
      ]);
      // Room again once one leaves.
      bounded.onHeartbeat(beat('b2', 'down'), T0 + 2);
      bounded.onHeartbeat(beat('b3'), T0 + 3);
      expect(bounded.all().map((i) => i.instance.instanceId)).toEqual(['b1', 'b3']);
    } finally {
      bounded.onApplicationShutdown();
    }
  });

  it('removes an instance at once when it announces draining or down', () => {
    registry.onHeartbeat(beat('b1'), T0);
    registry.onHeartbeat(beat('b2'), T0);
    registry.onHeartbeat(beat('b1', 'draining'), T0 + 1);
    registry.onHeartbeat(beat('b2', 'down'), T0 + 1);
    expect(ids()).toEqual([]);
  });

  it('expires an instance silent for longer than interval × misses', () => {
    registry.onHeartbeat(beat('b1'), T0);
    registry.expire(T0 + 3_000);
    expect(ids()).toEqual(['b1:true']);
    registry.expire(T0 + 3_001);
    expect(ids()).toEqual([]);
  });

  it('expires nobody while its own NATS link is down, and restarts the TTL (plus one interval) on reconnect', () => {
    registry.onHeartbeat(beat('b1'), T0);
    link.emit('disconnect');
    registry.expire(T0 + 60_000);
    expect(ids()).toEqual(['b1:true']);
    registry.resumeExpiry(T0 + 60_000);
    registry.expire(T0 + 64_000);
    expect(ids()).toEqual(['b1:true']);
    registry.expire(T0 + 64_001);
    expect(ids()).toEqual([]);
  });

  it('removes at once the instances whose latest heartbeat came over a connection the server closed', () => {
    registry.onHeartbeat(beat('b1', 'ready', { server: 'S1', cid: 7 }), T0);
    registry.onHeartbeat(beat('b2', 'ready', { server: 'S1', cid: 8 }), T0);
    registry.onHeartbeat(beat('b3', 'ready', { server: 'S2', cid: 7 }), T0);
    registry.onHeartbeat(beat('b4'), T0);
    changes = 0;
    registry.onConnectionClosed({ server: 'S1', cid: 7 });
    expect(ids()).toEqual(['b2:true', 'b3:true', 'b4:true']);
    expect(changes).toBe(1);
  });

  it("keeps an instance that reconnected: the old connection's advisory no longer matches", () => {
    registry.onHeartbeat(beat('b1', 'ready', { server: 'S1', cid: 7 }), T0);
    registry.onHeartbeat(beat('b1', 'ready', { server: 'S2', cid: 3 }), T0 + 10);
    registry.onConnectionClosed({ server: 'S1', cid: 7 });
    expect(ids()).toEqual(['b1:true']);
    registry.onConnectionClosed({ server: 'S2', cid: 3 });
    expect(ids()).toEqual([]);
  });

  it('adopts endpoints a previous control plane published until their TTL runs out', () => {
    registry.seed(
      [{ v: 1, namespace: 'default', service: 'b', updatedAt: T0, endpoints: [beat('b9')] }],
      T0,
    );
    expect(ids()).toEqual(['b9:true']);
    registry.expire(T0 + 3_001);
    expect(ids()).toEqual([]);
  });

  it('tells health changes once each: starting, ready, draining, then down; expiry when silent', () => {
    const told: string[] = [];
    registry.on('health', (h) => told.push(`${h.instanceId}:${h.state}`));
    registry.onHeartbeat(beat('b1', 'starting'), T0);
    registry.onHeartbeat(beat('b1', 'starting'), T0 + 100);
    registry.onHeartbeat(beat('b1'), T0 + 200);
    registry.onHeartbeat(beat('b1'), T0 + 300);
    registry.onHeartbeat(beat('b1', 'draining'), T0 + 400);
    registry.onHeartbeat(beat('b1', 'draining'), T0 + 2_000);
    // Draining lasts longer than the TTL as long as it heartbeats: its `down` is still told.
    registry.expire(T0 + 4_000);
    registry.onHeartbeat(beat('b1', 'down'), T0 + 4_500);
    registry.onHeartbeat(beat('b1', 'down'), T0 + 4_600);
    registry.onHeartbeat(beat('b2'), T0);
    registry.expire(T0 + 3_001);
    // Crashed while draining: expired once its TTL passed.
    registry.onHeartbeat(beat('b3'), T0);
    registry.onHeartbeat(beat('b3', 'draining'), T0 + 100);
    registry.expire(T0 + 3_101);
    expect(told).toEqual([
      'b1:starting',
      'b1:ready',
      'b1:draining',
      'b1:down',
      'b2:ready',
      'b2:expired',
      'b3:ready',
      'b3:draining',
      'b3:expired',
    ]);
  });
});
