// The status of every AuthorizationPolicy: `Accepted` when it applies to some ready instance now
// (naming them), `TargetNotFound` when its namespace and selector match none.
import {
  keyOf,
  policySelects,
  PolicyConditionType,
  PolicyReason,
  ROOT_NAMESPACE,
  type AuthorizationPolicy,
  type AuthorizationPolicyStatus,
  type ConditionSummary,
  type InstanceOwner,
  type Resource,
} from '@app/protocol';
import { stampConditions } from './condition-transitions.js';

/** Instances a message names before `and N more`. */
const NAMED = 5;

/** `Accepted` of every AuthorizationPolicy in `resources`, by KV key, against the ready instances. */
export function evaluateAuthorizationPolicies(
  resources: readonly Resource[],
  instances: readonly InstanceOwner[],
): Map<string, ConditionSummary> {
  const verdicts = new Map<string, ConditionSummary>();
  for (const r of resources) {
    if (r.kind !== 'AuthorizationPolicy') continue;
    const selected = instances.filter((i) => policySelects(r, i.namespace, i.labels));
    verdicts.set(keyOf(r), accepted(r, selected));
  }
  return verdicts;
}

/** The verdict as a status, its transition time kept from `previous` (`stampConditions`). */
export function stampAuthorizationStatus(
  verdict: ConditionSummary,
  previous: AuthorizationPolicyStatus | undefined,
  now: string,
): AuthorizationPolicyStatus {
  return { conditions: stampConditions([verdict], previous?.conditions, now) };
}

function accepted(
  policy: AuthorizationPolicy,
  selected: readonly InstanceOwner[],
): ConditionSummary {
  const scope = scopeOf(policy);
  if (selected.length === 0) {
    return {
      type: PolicyConditionType.Accepted,
      status: 'False',
      reason: PolicyReason.TargetNotFound,
      message: `no ready instance is ${scope}: the policy applies to none now (it will to instances that register so)`,
    };
  }
  const ids = selected.map((i) => `${i.namespace}/${i.instanceId}`);
  const named = ids.slice(0, NAMED).join(', ');
  const more = ids.length > NAMED ? ` and ${ids.length - NAMED} more` : '';
  return {
    type: PolicyConditionType.Accepted,
    status: 'True',
    reason: PolicyReason.Accepted,
    message: `in effect on ${ids.length} ready instance${ids.length === 1 ? '' : 's'} ${scope}: ${named}${more}`,
  };
}

/** `in namespace foo with labels app=api`, `in any namespace` (root namespace, no selector)… */
function scopeOf(policy: AuthorizationPolicy): string {
  const { namespace } = policy.metadata;
  const where = namespace === ROOT_NAMESPACE ? 'in any namespace' : `in namespace ${namespace}`;
  const labels = policy.spec.selector?.matchLabels ?? {};
  return Object.keys(labels).length > 0 ? `${where} with labels ${labelsText(labels)}` : where;
}

/** `app=api,version=v1`, sorted by key. */
function labelsText(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}
