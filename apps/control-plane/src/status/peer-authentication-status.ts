// Status of every PeerAuthentication: `Accepted` where it decides its scope, `Conflicted` where an
// earlier one by name (the one proxies apply, effectiveMtlsMode) takes the same scope.
import {
  inPrecedenceOrder,
  keyOf,
  PolicyConditionType,
  PolicyReason,
  ROOT_NAMESPACE,
  type ConditionSummary,
  type PeerAuthentication,
  type PeerAuthenticationStatus,
  type Resource,
} from '@app/protocol';
import { stampConditions } from './condition-transitions.js';

/** The `Accepted` condition of every PeerAuthentication in `resources`, by KV key. */
export function evaluatePeerAuthentications(
  resources: readonly Resource[],
): Map<string, ConditionSummary> {
  const policies = inPrecedenceOrder(
    resources.filter((r): r is PeerAuthentication => r.kind === 'PeerAuthentication'),
  );
  const winners = new Map<string, PeerAuthentication>();
  const verdicts = new Map<string, ConditionSummary>();
  for (const policy of policies) {
    const scope = scopeOf(policy);
    const winner = winners.get(scope.key);
    if (winner) {
      const message = `PeerAuthentication ${winner.metadata.name} takes ${scope.text} (the first by name decides)`;
      verdicts.set(keyOf(policy), accepted('False', PolicyReason.Conflicted, message));
      continue;
    }
    winners.set(scope.key, policy);
    const mode = policy.spec.mtls?.mode ?? 'UNSET';
    const message = `mTLS ${mode === 'UNSET' ? 'inherited' : mode} for ${scope.text}`;
    verdicts.set(keyOf(policy), accepted('True', PolicyReason.Accepted, message));
  }
  return verdicts;
}

/** The verdict as a status, transition times kept from `previous`. */
export function stampPeerAuthenticationStatus(
  verdict: ConditionSummary,
  previous: PeerAuthenticationStatus | undefined,
  now: string,
): PeerAuthenticationStatus {
  return { conditions: stampConditions([verdict], previous?.conditions, now) };
}

/** The workloads a policy speaks for: a key equal for policies that compete, and words for it. */
function scopeOf(policy: PeerAuthentication): { key: string; text: string } {
  const { namespace } = policy.metadata;
  const labels = policy.spec.selector?.matchLabels;
  if (labels === undefined) {
    const text =
      namespace === ROOT_NAMESPACE ? 'the mesh' : `every workload of namespace ${namespace}`;
    return { key: namespace, text };
  }
  const sorted = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  const selector = sorted.map(([k, v]) => `${k}=${v}`).join(',');
  return {
    key: `${namespace} ${selector}`,
    text: `the workloads of namespace ${namespace} labelled ${selector || '(any)'}`,
  };
}

function accepted(status: 'True' | 'False', reason: string, message: string): ConditionSummary {
  return { type: PolicyConditionType.Accepted, status, reason, message };
}
