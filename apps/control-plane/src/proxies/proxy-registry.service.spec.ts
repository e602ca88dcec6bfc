// ProxyRegistry: rows keyed by the reporter's identity, dropped when silent past the proxy TTL (never
// while NATS is away), and a bounded table where a stale row makes room and a new one is refused.
import { afterEach, describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { Heartbeat, ProxyAck } from '@app/protocol';
import { processMetrics, type NatsClient } from '@app/runtime';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { ProxyRegistry } from './proxy-registry.service.js';

const T0 = 1_000_000;

function ack(proxyId: string, service: string, status: 'ACK' | 'NACK', revision = 1): ProxyAck {
  return {
    v: 1,
    proxyId,
    mode: 'sidecar',
    namespace: 'default',
    service,
    revision,
    status,
    sentAt: T0,
  };
}

function heartbeat(proxyId: string, service: string, state: Heartbeat['state']): Heartbeat {
  return {
    v: 1,
    proxyId,
    instanceId: proxyId,
    mode: 'sidecar',
    namespace: 'default',
    service,
    serviceAccount: service,
    address: '127.0.0.1',
    port: 15006,
    labels: { app: service },
    state,
    sentAt: T0,
  };
}

/** `weft_control_plane_dropped_total{weft_table="proxies", weft_drop_reason=…}` as /metrics shows it. */
async function dropped(reason: string): Promise<number> {
  const line = (await processMetrics.render())
    .split('\n')
    .find(
      (l) =>
        l.startsWith('weft_control_plane_dropped_total{') &&
        l.includes('weft_table="proxies"') &&
        l.includes(`weft_drop_reason="${reason}"`),
    );
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('ProxyRegistry', () => {
  // Heartbeat TTL 3 s, proxy TTL 10 s.
  const env = Object.assign(new ControlPlaneEnv(), {
    WEFT_HEARTBEAT_INTERVAL_MS: 1_000,
    WEFT_PROXY_TTL_MS: 10_000,
    WEFT_MAX_PROXIES: 3,
  });
  const link = new EventEmitter();
  const registries: ProxyRegistry[] = [];
  const registry = (): ProxyRegistry => {
    const r = new ProxyRegistry(env, link as NatsClient);
    registries.push(r);
    return r;
  };
  afterEach(() => registries.splice(0).forEach((r) => r.onApplicationShutdown()));
  const rows = (r: ProxyRegistry, now = T0) =>
    r.list(now).map((p) => `${p.service}/${p.id} ${p.status}`);
  const ids = (r: ProxyRegistry, now = T0) => r.list(now).map((p) => p.id);

  it("keeps a report of another Service under the same id out of the proxy's row", () => {
    const r = registry();
    r.onAck(ack('api-1', 'api', 'ACK'), T0);
    r.onAck(ack('api-1', 'evil', 'NACK'), T0);
    expect(rows(r).sort()).toEqual(['api/api-1 ACK', 'evil/api-1 NACK']);
    r.onHeartbeat(heartbeat('api-1', 'evil', 'down'), T0);
    expect(rows(r)).toEqual(['api/api-1 ACK']);
  });

  it("ignores a node proxy's heartbeats: they speak for its workloads, not for itself", () => {
    const r = registry();
    r.onAck({ ...ack('node-a', 'node', 'ACK'), mode: 'node' }, T0);
    r.onHeartbeat({ ...heartbeat('node-a', 'web', 'down'), mode: 'node' }, T0);
    expect(rows(r)).toEqual(['node/node-a ACK']);
  });

  it('drops a proxy silent past the proxy TTL (stale from the heartbeat TTL on), and says so', async () => {
    const r = registry();
    const removed: string[] = [];
    r.on('removed', (id) => removed.push(id));
    r.onAck(ack('killed', 'api', 'ACK'), T0);
    r.onHeartbeat(heartbeat('alive', 'api', 'ready'), T0);
    r.onHeartbeat(heartbeat('alive', 'api', 'ready'), T0 + 9_000);
    expect(r.list(T0 + 9_500).map((p) => [p.id, p.stale])).toEqual([
      ['alive', false],
      ['killed', true],
    ]);
    const before = await dropped('expired');
    r.expire(T0 + 10_000);
    expect(ids(r, T0 + 10_000)).toEqual(['alive', 'killed']);
    r.expire(T0 + 10_001);
    expect([ids(r, T0 + 10_001), removed]).toEqual([['alive'], ['killed']]);
    expect((await dropped('expired')) - before).toBe(1);
  });

  it('expires nothing while NATS is away, and gives every row a full TTL once it is back', () => {
    const r = registry();
    r.onAck(ack('p', 'api', 'ACK'), T0);
    link.emit('disconnect');
    r.expire(T0 + 60_000);
    expect(ids(r)).toEqual(['p']);
    link.emit('reconnect');
    r.expire(Date.now() + 9_000);
    expect(ids(r)).toEqual(['p']);
    r.expire(Date.now() + 11_000);
    expect(ids(r)).toEqual([]);
  });

  it('at its bound, lets a new proxy take the place of a stale row, else does not list it; counts both', async () => {
    const r = registry();
    const [evicted, refused] = [await dropped('evicted'), await dropped('refused')];
    for (const id of ['a', 'b', 'c']) r.onHeartbeat(heartbeat(id, 'api', 'ready'), T0);
    // a and c report again: b is now the one heard from least recently.
    r.onHeartbeat(heartbeat('a', 'api', 'ready'), T0 + 2_000);
    r.onAck(ack('c', 'api', 'ACK'), T0 + 2_000);
    r.onHeartbeat(heartbeat('d', 'api', 'ready'), T0 + 2_500);
    expect(ids(r)).toEqual(['a', 'b', 'c']);
    r.onHeartbeat(heartbeat('e', 'api', 'ready'), T0 + 3_500);
    expect(ids(r)).toEqual(['a', 'c', 'e']);
    expect((await dropped('refused')) - refused).toBe(1);
    expect((await dropped('evicted')) - evicted).toBe(1);
  });
});
