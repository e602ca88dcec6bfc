// Which Services callers reach over the bus: a TrafficPolicy's `transport` (the first by
// namespace/name on a Service, as for every policy field), else the Service's annotation.
import {
  inPrecedenceOrder,
  serviceKey,
  TRANSPORT_ANNOTATION,
  type Service,
  type TrafficPolicy,
  type Transport,
} from '@app/protocol';

/** Cluster keys (`namespace/service`) whose transport is `bus`. */
export function busServiceKeys(
  services: readonly Service[],
  policies: readonly TrafficPolicy[],
): Set<string> {
  const chosen = new Map<string, Transport>();
  const ordered = inPrecedenceOrder(policies);
  for (const policy of ordered) {
    const transport = policy.spec.transport;
    if (!transport) continue;
    for (const target of policy.spec.targetRefs) {
      const key = serviceKey(policy.metadata.namespace, target.name);
      if (!chosen.has(key)) chosen.set(key, transport);
    }
  }
  for (const svc of services) {
    const key = serviceKey(svc.metadata.namespace, svc.metadata.name);
    const annotated = svc.metadata.annotations?.[TRANSPORT_ANNOTATION];
    if (!chosen.has(key) && (annotated === 'bus' || annotated === 'http')) {
      chosen.set(key, annotated);
    }
  }
  const keys = new Set<string>();
  for (const [key, transport] of chosen) if (transport === 'bus') keys.add(key);
  return keys;
}
