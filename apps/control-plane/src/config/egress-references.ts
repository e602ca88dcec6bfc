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
