// Heartbeats as a test publishes them itself (a forger, or an instance with no proxy behind it).
import { encode, PROTOCOL_VERSION } from '@app/protocol';

/** The bytes of a `ready` sidecar heartbeat of `default/<service>` (service account `<service>`). */
export function heartbeatBytes(
  service: string,
  instanceId: string,
  fields: Record<string, unknown> = {},
): Uint8Array {
  return encode({
    v: PROTOCOL_VERSION,
    namespace: 'default',
    service,
    serviceAccount: service,
    instanceId,
    proxyId: instanceId,
    mode: 'sidecar',
    address: '127.0.0.1',
    port: 1,
    labels: { app: service },
    state: 'ready',
    sentAt: Date.now(),
    ...fields,
  });
}
