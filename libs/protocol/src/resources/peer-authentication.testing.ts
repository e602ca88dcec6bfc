// PeerAuthentications for unit specs, parsed and validated as an apply would.
import { parseResource } from './resource.js';
import type { PeerAuthentication } from './peer-authentication.dto.js';

/** The PeerAuthentication `namespace/name` with `spec`; throws when it does not validate. */
export function peerAuthentication(
  name: string,
  namespace: string,
  spec: object,
): PeerAuthentication {
  const parsed = parseResource({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'PeerAuthentication',
    metadata: { name, namespace },
    spec,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value as PeerAuthentication;
}
