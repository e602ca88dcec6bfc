// Which protocol callers speak to a Service's endpoints: HTTP/1.1, or h2c when a port says so.
import { H2C_APP_PROTOCOLS, serviceKey, type Service } from '@app/protocol';

/** HTTP/1.1 with keep-alive, or HTTP/2 prior knowledge over cleartext (one multiplexed connection). */
export type UpstreamProtocol = 'http1' | 'h2c';

/**
 * Cluster keys (`namespace/service`) of Services with a port whose `appProtocol` is h2c
 * (`kubernetes.io/h2c`, or `grpc`): a mesh Service has one port in effect (the sidecar's inbound),
 * so any such port marks the whole Service.
 */
export function h2cServiceKeys(services: readonly Service[]): Set<string> {
  const keys = new Set<string>();
  for (const svc of services) {
    const ports = svc.spec.ports ?? [];
    if (ports.some((p) => p.appProtocol !== undefined && H2C_APP_PROTOCOLS.includes(p.appProtocol)))
      keys.add(serviceKey(svc.metadata.namespace, svc.metadata.name));
  }
  return keys;
}
