// Which Services a reference resolves to, as the data plane resolves it: routes' backends and policies' targets alike.
import { serviceKey, type Resource } from '@app/protocol';

/**
 * `namespace/name` of every Service resource, ExternalService (the data plane routes to Services
 * outside the mesh alike) and service with a published endpoint set (`implicitServices`: a
 * registered WEFT_SERVICE with no Service resource).
 */
export function knownServices(
  resources: readonly Resource[],
  implicitServices: Iterable<string>,
): Set<string> {
  const known = new Set(implicitServices);
  for (const r of resources) {
    if (r.kind === 'Service' || r.kind === 'ExternalService')
      known.add(serviceKey(r.metadata.namespace, r.metadata.name));
  }
  return known;
}
