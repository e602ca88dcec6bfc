// The pods of cluster Services as endpoints, read from their EndpointSlices: those without a Weft proxy are reached in plaintext at their address and the Service's target port.
import type { V1EndpointSlice } from '@kubernetes/client-node';
import { endpointsKey, type EndpointEntry } from '@app/protocol';
import type { WeftService } from './service-projection.js';

/** The label an EndpointSlice names its Service with (Kubernetes sets it). */
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Not known from an EndpointSlice, and not checked: callers speak plaintext to an unmeshed pod. */
const UNKNOWN_SERVICE_ACCOUNT = 'default';

/**
 * Endpoints key → the ready endpoints of each of `services` (those Weft applied), one per address
 * (an address in two slices while they are rotated counts once). Which of them have a proxy the
 * endpoint index decides (a registered instance has the address). Throws past `max` endpoints in all.
 */
export function unmeshedEndpointsOf(
  slices: readonly V1EndpointSlice[],
  services: readonly WeftService[],
  max: number,
): Map<string, EndpointEntry[]> {
  const byName = new Map(services.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
  const out = new Map<string, Map<string, EndpointEntry>>();
  let count = 0;
  for (const slice of slices) {
    const namespace = slice.metadata?.namespace;
    const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    const service = byName.get(`${namespace}/${name}`);
    if (!namespace || !name || !service) continue;
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    const port = targetPortOf(slice, service);
    if (port === undefined) continue;
    const key = endpointsKey(namespace, name);
    let entries = out.get(key);
    if (!entries) out.set(key, (entries = new Map<string, EndpointEntry>()));
    for (const endpoint of slice.endpoints ?? []) {
      // Kubernetes: an absent `ready` means ready; a terminating pod is not ready.
      const address = endpoint.addresses[0];
      if (endpoint.conditions?.ready === false || !address || entries.has(address)) continue;
      if (++count > max)
        throw new Error(
          `the cluster's EndpointSlices list more than ${max} endpoints: none applied`,
        );
      entries.set(address, {
        instanceId: instanceIdOf(endpoint.targetRef?.name, address),
        address,
        port,
        labels: {},
        namespace,
        service: name,
        serviceAccount: UNKNOWN_SERVICE_ACCOUNT,
        plaintext: true,
        unmeshed: true,
      });
    }
  }
  return new Map(
    [...out].map(([key, entries]) => [
      key,
      [...entries.values()].sort((a, b) => a.instanceId.localeCompare(b.instanceId)),
    ]),
  );
}

/**
 * The slice's port for the Service's first port (the one Weft routes to), matched by name as
 * Kubernetes does; a slice of a single port needs no name.
 */
function targetPortOf(slice: V1EndpointSlice, service: WeftService): number | undefined {
  const ports = (slice.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP');
  const wanted = service.spec.ports?.[0]?.name ?? '';
  const port =
    ports.find((p) => (p.name ?? '') === wanted) ?? (ports.length === 1 ? ports[0] : undefined);
  return port?.port;
}

/** A subject-safe id: the pod's name, else the address, with any other character as `-`. */
function instanceIdOf(pod: string | undefined, address: string): string {
  return (pod ?? `ip-${address}`).replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128);
}
