// How an HTTPRoute attaches to a Service (GAMMA, GEP-1294): the Service port it is bound to, and
// whether it is the producer's route or a consumer's.
import type { HTTPRoute, ParentReference } from './http-route.dto.js';
import type { Service } from './service.dto.js';

/**
 * A Service parent's port: `all` when the parentRef names none (every port of the Service),
 * `none` when it names one the Service does not have, else that port.
 */
export type AttachedPort = number | 'all' | 'none';

/**
 * The Service port `parent` binds `route` to. `port` is the Service port (GEP-957); `sectionName`
 * names one of the Service's ports; when both are set they must agree. A Service known only from
 * its registered instances lists no ports, so any `port` is taken as meant.
 */
export function attachedServicePort(
  parent: ParentReference,
  service: Service | undefined,
): AttachedPort {
  const ports = service?.spec.ports ?? [];
  let port: number | undefined = parent.port;
  if (port !== undefined && ports.length > 0 && !ports.some((p) => p.port === port)) return 'none';
  if (parent.sectionName !== undefined) {
    const named = ports.find((p) => p.name === parent.sectionName);
    if (!named || (port !== undefined && named.port !== port)) return 'none';
    port = named.port;
  }
  return port ?? 'all';
}

/**
 * GEP-1294 namespace boundaries: a route in its Service's namespace is the producer's and applies
 * to every caller; a route in another namespace is a consumer's and applies only to callers in
 * the route's own namespace.
 */
export function isConsumerRoute(route: HTTPRoute, serviceNamespace: string): boolean {
  return route.metadata.namespace !== serviceNamespace;
}
