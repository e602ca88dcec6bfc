// Projects a desired state for proxies that follow only the destinations they call: one
// DestinationBundle per Service name a resource concerns, one ServiceAlias per extra hostname, and
// one PolicyBundle per namespace with policies (what a workload's own proxy enforces).
import {
  aliasKey,
  destinationKey,
  isPolicyResource,
  policiesKey,
  PROTOCOL_VERSION,
  type BundledResource,
  type DestinationBundle,
  type PolicyBundle,
  type Resource,
  type ServiceAlias,
} from '@app/protocol';
import type { Stored } from './config-view.js';

/** Projection key → its value's JSON: compared with what the bucket holds, written where it differs. */
export type Projections = Map<string, string>;

/** What makes the bucket's projections those of a desired state: values to put, keys to delete. */
export interface ProjectionChanges {
  readonly puts: readonly (readonly [key: string, json: string])[];
  readonly deletes: readonly string[];
}

/**
 * The bundles, aliases and policy bundles of `desired` (resource key → stored resource), keys in a
 * stable order.
 */
export function projectDestinations(desired: ReadonlyMap<string, Stored>): Projections {
  const bundles = new Map<string, DestinationBundle>();
  const aliases = new Map<string, ServiceAlias>();
  const policies = new Map<string, PolicyBundle>();
  for (const key of [...desired.keys()].sort()) {
    const { resource, source } = desired.get(key)!;
    // Serialized as is: the resource class holds just its fields.
    const entry: BundledResource = {
      key,
      source,
      resource: resource as unknown as Record<string, unknown>,
    };
    if (isPolicyResource(resource)) {
      const { namespace } = resource.metadata;
      const key = policiesKey(namespace);
      let bundle = policies.get(key);
      if (!bundle) {
        bundle = { v: PROTOCOL_VERSION, namespace, resources: [] };
        policies.set(key, bundle);
      }
      bundle.resources.push(entry);
      continue;
    }
    for (const [namespace, service] of concerned(resource)) {
      const dst = destinationKey(namespace, service);
      let bundle = bundles.get(dst);
      if (!bundle) {
        bundle = { v: PROTOCOL_VERSION, namespace, service, resources: [] };
        bundles.set(dst, bundle);
      }
      bundle.resources.push(entry);
    }
    if (resource.kind === 'ExternalService') {
      const { namespace, name } = resource.metadata;
      for (const host of resource.spec.hosts ?? [])
        aliases.set(aliasKey(host), { v: PROTOCOL_VERSION, host, namespace, service: name });
    }
  }
  const out: Projections = new Map();
  for (const [key, value] of [...bundles, ...aliases, ...policies])
    out.set(key, JSON.stringify(value));
  return out;
}

/** The writes that turn the projections `held` into `next`: only values that differ, and keys gone. */
export function projectionChanges(
  next: ReadonlyMap<string, string>,
  held: ReadonlyMap<string, string>,
): ProjectionChanges {
  return {
    puts: [...next].filter(([key, json]) => held.get(key) !== json),
    deletes: [...held.keys()].filter((key) => !next.has(key)),
  };
}

/** The Services (namespace, name) whose callers use `resource`. */
function concerned(resource: Resource): [string, string][] {
  const { namespace, name } = resource.metadata;
  switch (resource.kind) {
    case 'Service':
    case 'ExternalService':
      return [[namespace, name]];
    case 'HTTPRoute':
      return resource.spec.parentRefs
        .filter((parent) => parent.kind === 'Service')
        .map((parent) => [parent.namespace ?? namespace, parent.name]);
    case 'TrafficPolicy':
      return resource.spec.targetRefs.map((target) => [namespace, target.name]);
    case 'Gateway':
      // Edge routers follow the whole bucket.
      return [];
    case 'AuthorizationPolicy':
    case 'PeerAuthentication':
    case 'MeshConfig':
      // Callers never read them: the workloads they select do, from their namespace's policy bundle.
      return [];
    case 'ServiceExport':
      // Read by the control plane alone (it announces the export to other clusters).
      return [];
    case 'WorkloadGroup':
      // Read by the control plane alone (it admits workloads outside any cluster by it).
      return [];
  }
}
