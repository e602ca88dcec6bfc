// ExternalServices whose egress gateway is no Gateway of the desired state: a change that would
// leave one so (applying it, or deleting its Gateway) is refused, since its callers could reach
// it through nobody.
import {
  describeResource,
  egressGatewayOf,
  serviceKey,
  type FieldError,
  type Resource,
} from '@app/protocol';

/** The references `after` leaves unresolved that `before` did not (an older one blocks no change). */
export function unresolvedEgressGateways(
  before: Iterable<Resource>,
  after: Iterable<Resource>,
): FieldError[] {
  const known = new Set(unresolved(before).map((e) => `${e.resource} ${e.message}`));
  return unresolved(after).filter((e) => !known.has(`${e.resource} ${e.message}`));
}

function unresolved(resources: Iterable<Resource>): FieldError[] {
  const all = [...resources];
  const gateways = new Set(
    all
      .filter((r) => r.kind === 'Gateway')
      .map((r) => serviceKey(r.metadata.namespace, r.metadata.name)),
  );
  const errors: FieldError[] = [];
  for (const r of all) {
    if (r.kind !== 'ExternalService') continue;
    const gateway = egressGatewayOf(r);
    if (gateway === undefined || gateways.has(gateway)) continue;
    errors.push({
      resource: describeResource(r),
      path: 'spec.egress.gatewayRef',
      message: `no Gateway ${gateway}: this service is reached only through that Gateway's routers (apply the Gateway first or in the same request; delete it only after this service)`,
    });
  }
  return errors;
}

/**
 * Splits a whole desired state into what can be applied and the ExternalServices whose egress
 * Gateway it lacks (with why): a source that sends everything at once (the Kubernetes watch) leaves
 * those out, as it does invalid resources, instead of having the whole apply refused.
 */
export function setAsideUnresolvedEgress<T>(
  items: readonly T[],
  resourceOf: (item: T) => Resource,
): { readonly kept: T[]; readonly setAside: (readonly [T, FieldError])[] } {
  const errors = new Map(
    unresolved(items.map(resourceOf)).map((error) => [error.resource, error] as const),
  );
  const kept: T[] = [];
  const setAside: (readonly [T, FieldError])[] = [];
  for (const item of items) {
    const error = errors.get(describeResource(resourceOf(item)));
    if (error) setAside.push([item, error]);
    else kept.push(item);
  }
  return { kept, setAside };
}
