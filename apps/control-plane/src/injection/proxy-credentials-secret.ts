// The Secret holding a proxy's minted NATS credentials, as the control plane creates it: owned by the ServiceAccount it is for, so it goes with it.
import type { V1Secret } from '@kubernetes/client-node';
import type { WorkloadIdentity } from '@app/protocol/nats-permissions.js';
import type { MintedUser } from '@app/runtime/nats-user-minting.js';
import { ANNOTATIONS } from './injection-options.js';
import { CREDS_KEY } from './sidecar-injection.js';

/** The annotation naming the minted user's public key: what `weft token revoke` or a revocation names. */
export const TOKEN_ID_ANNOTATION = 'weft.dev/token-id';

export interface ProxySecretTarget {
  readonly secretName: string;
  readonly identity: WorkloadIdentity;
}

export function proxyCredentialsSecret(
  target: ProxySecretTarget,
  serviceAccountUid: string,
  user: MintedUser,
): V1Secret {
  const { namespace, service, serviceAccount } = target.identity;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: target.secretName,
      namespace,
      labels: { 'app.kubernetes.io/managed-by': 'weft' },
      // Who the credential is for: a pod of another Service mounting it is refused by NATS.
      annotations: {
        [ANNOTATIONS.service]: service,
        'weft.dev/service-account': serviceAccount,
        [TOKEN_ID_ANNOTATION]: user.id,
      },
      // Deleted with its ServiceAccount (the garbage collector follows the owner's uid).
      ownerReferences: [
        { apiVersion: 'v1', kind: 'ServiceAccount', name: serviceAccount, uid: serviceAccountUid },
      ],
    },
    data: { [CREDS_KEY]: Buffer.from(user.creds).toString('base64') },
  };
}
