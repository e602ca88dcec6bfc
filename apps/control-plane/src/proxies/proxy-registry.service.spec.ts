import type { Heartbeat, ProxyAck } from '@app/protocol';
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

describe('ProxyRegistry', () => {
  const env = Object.assign(new ControlPlaneEnv(), { WEFT_HEARTBEAT_INTERVAL_MS: 1_000 });
  const rows = (r: ProxyRegistry) => r.list(T0).map((p) => `${p.service}/${p.id} ${p.status}`);

  it("keeps a report of another Service under the same id out of the proxy's row", () => {
    const registry = new ProxyRegistry(env);
    registry.onAck(ack('api-1', 'api', 'ACK'), T0);
    registry.onAck(ack('api-1', 'evil', 'NACK'), T0);
    expect(rows(registry).sort()).toEqual(['api/api-1 ACK', 'evil/api-1 NACK']);
    registry.onHeartbeat(heartbeat('api-1', 'evil', 'down'), T0);
    expect(rows(registry)).toEqual(['api/api-1 ACK']);
  });

  it("ignores a node proxy's heartbeats: they speak for its workloads, not for itself", () => {
    const registry = new ProxyRegistry(env);
    registry.onAck({ ...ack('node-a', 'node', 'ACK'), mode: 'node' }, T0);
    registry.onHeartbeat({ ...heartbeat('node-a', 'web', 'down'), mode: 'node' }, T0);
    expect(rows(registry)).toEqual(['node/node-a ACK']);
  });
});
