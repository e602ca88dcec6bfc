// Which live instances each Service selects: label selectors, plus one implicit Service per app name.
import { endpointsKey, type EndpointSet, type InstanceOwner, type Service } from '@app/protocol';
import type { LiveInstance } from './instance-registry.service.js';

/**
 * Endpoint sets keyed by KV key. A Service resource selects by its selector (none: no endpoints,
 * as in Kubernetes); a registered service name with no Service resource selects `app=<name>`.
 * `previous` keys stay present (empty) so callers get 503, not 404, once instances leave.
 */
export function selectEndpointSets(
  services: readonly Service[],
  instances: readonly LiveInstance[],
  previous: Iterable<string>,
  now: number,
): Map<string, EndpointSet> {
  const ready = instances.filter((i) => i.ready).map((i) => i.instance);
  const sets = new Map<string, EndpointSet>();
  const put = (namespace: string, service: string, endpoints: InstanceOwner[]): void => {
    endpoints.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    sets.set(endpointsKey(namespace, service), {
      v: 1,
      namespace,
      service,
      endpoints,
      updatedAt: now,
    });
  };
  for (const svc of services) {
    const { namespace, name } = svc.metadata;
    const selector = svc.spec.selector;
    put(
      namespace,
      name,
      selector ? ready.filter((i) => i.namespace === namespace && selects(selector, i.labels)) : [],
    );
  }
  for (const i of instances) {
    const key = endpointsKey(i.instance.namespace, i.instance.service);
    if (sets.has(key)) continue;
    put(
      i.instance.namespace,
      i.instance.service,
      ready.filter(
        (r) => r.namespace === i.instance.namespace && r.labels.app === i.instance.service,
      ),
    );
  }
  for (const key of previous) {
    if (sets.has(key)) continue;
    const [, namespace, service] = key.split('.');
    put(namespace, service, []);
  }
  return sets;
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}
