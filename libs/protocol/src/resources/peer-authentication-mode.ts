// The mTLS mode in effect for one workload under a set of PeerAuthentications, with Istio's
// inheritance: workload policy → namespace policy → mesh policy (root namespace) → STRICT.
import { inPrecedenceOrder } from './policy-precedence.js';
import {
  DEFAULT_MTLS_MODE,
  ROOT_NAMESPACE,
  type MtlsMode,
  type MtlsModeSetting,
  type PeerAuthentication,
} from './peer-authentication.dto.js';

/** A workload as PeerAuthentication selectors see it. */
export interface PeerAuthenticationSubject {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The mode `policies` give `workload`. At each scope the first policy by name decides (Istio takes
 * the oldest; Weft keeps no creation time, as for TrafficPolicies); a scope whose policy leaves the
 * mode UNSET passes it on to the next. A selector with no labels selects every workload, as Istio's.
 */
export function effectiveMtlsMode(
  policies: readonly PeerAuthentication[],
  workload: PeerAuthenticationSubject,
): MtlsMode {
  const ordered = inPrecedenceOrder(policies);
  const scopes: (PeerAuthentication | undefined)[] = [
    ordered.find(
      (p) =>
        p.metadata.namespace === workload.namespace &&
        p.spec.selector !== undefined &&
        selects(p.spec.selector.matchLabels, workload.labels),
    ),
    ordered.find((p) => p.metadata.namespace === workload.namespace && !p.spec.selector),
    ordered.find((p) => p.metadata.namespace === ROOT_NAMESPACE && !p.spec.selector),
  ];
  for (const policy of scopes) {
    const mode: MtlsModeSetting = policy?.spec.mtls?.mode ?? 'UNSET';
    if (mode !== 'UNSET') return mode;
  }
  return DEFAULT_MTLS_MODE;
}

function selects(
  matchLabels: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const k in matchLabels) if (labels[k] !== matchLabels[k]) return false;
  return true;
}
