// Gateway API status of every TrafficPolicy (GEP-713): per target Service, `Accepted` or why not.
import {
  inPrecedenceOrder,
  serviceKey,
  keyOf,
  PolicyConditionType,
  PolicyReason,
  WEFT_CONTROLLER_NAME,
  type ConditionSummary,
  type ParentReference,
  type PolicyStatus,
  type Resource,
  type TrafficPolicy,
  type TrafficPolicySpec,
} from '@app/protocol';
import { stampConditions } from './condition-transitions.js';
import { knownServices } from './known-services.js';

export interface AncestorVerdict {
  /** The target Service: GEP-713's nearest ancestor, where mesh traffic takes the policy. */
  readonly ancestorRef: ParentReference;
  readonly accepted: ConditionSummary;
}

export interface PolicyVerdict {
  readonly ancestors: readonly AncestorVerdict[];
}

/** Which policy's fields a Service runs with: the data plane's precedence, mirrored. */
interface Precedence {
  /** Every field but `transport` comes from the first policy on the Service, whole (no merging). */
  readonly whole: TrafficPolicy;
  /** `transport` comes from the first policy on the Service that sets it. */
  readonly transport?: TrafficPolicy;
}

/**
 * The status of every TrafficPolicy in `resources`, by KV key. A target resolves as a route's
 * backend does (`knownServices`). Of several policies on one Service the first by name wins, as
 * the data plane applies them; Gateway API orders by creationTimestamp first, which Weft does not
 * keep. A policy whose fields lose on a Service is `Conflicted` there and names the winner.
 */
export function evaluatePolicies(
  resources: readonly Resource[],
  implicitServices: Iterable<string>,
): Map<string, PolicyVerdict> {
  const known = knownServices(resources, implicitServices);
  const policies = inPrecedenceOrder(
    resources.filter((r): r is TrafficPolicy => r.kind === 'TrafficPolicy'),
  );
  const precedence = new Map<string, Precedence>();
  for (const policy of policies) {
    for (const target of targetsOf(policy)) {
      const first = precedence.get(target);
      if (!first) precedence.set(target, { whole: policy, transport: transportOf(policy) });
      else if (!first.transport)
        precedence.set(target, { ...first, transport: transportOf(policy) });
    }
  }
  const verdicts = new Map<string, PolicyVerdict>();
  for (const policy of policies) {
    const { namespace } = policy.metadata;
    const ancestors = targetNamesOf(policy).map((name): AncestorVerdict => {
      const target = serviceKey(namespace, name);
      const ancestorRef = { group: '', kind: 'Service' as const, name, namespace };
      if (!known.has(target)) {
        const message = `Service ${target} not found: no Service resource and no registered instance by that name`;
        return { ancestorRef, accepted: accepted('False', PolicyReason.TargetNotFound, message) };
      }
      const lost = losses(policy, precedence.get(target)!);
      if (lost.length > 0) {
        const message = `${lost.join('; ')} on Service ${target} (policies on one Service do not merge: the first by name wins)`;
        return { ancestorRef, accepted: accepted('False', PolicyReason.Conflicted, message) };
      }
      const message = `in effect on Service ${target}`;
      return { ancestorRef, accepted: accepted('True', PolicyReason.Accepted, message) };
    });
    verdicts.set(keyOf(policy), { ancestors });
  }
  return verdicts;
}

/** The verdict as a PolicyStatus, transition times kept from `previous` (`stampConditions`). */
export function stampPolicyStatus(
  verdict: PolicyVerdict,
  previous: PolicyStatus | undefined,
  now: string,
): PolicyStatus {
  return {
    ancestors: verdict.ancestors.map((a) => {
      const before = previous?.ancestors.find(
        (p) =>
          p.ancestorRef.namespace === a.ancestorRef.namespace &&
          p.ancestorRef.name === a.ancestorRef.name,
      );
      return {
        ancestorRef: { ...a.ancestorRef },
        controllerName: WEFT_CONTROLLER_NAME,
        conditions: stampConditions([a.accepted], before?.conditions, now),
      };
    }),
  };
}

/** What an operator should read after an apply: every target where the policy is not Accepted. */
export function policyNotices(verdict: PolicyVerdict): ConditionSummary[] {
  return verdict.ancestors.map((a) => a.accepted).filter((c) => c.status !== 'True');
}

/** The name of each target Service, once each (targets are in the policy's namespace). */
function targetNamesOf(policy: TrafficPolicy): string[] {
  return [...new Set(policy.spec.targetRefs.map((t) => t.name))];
}

/** `namespace/name` of each target Service, once each. */
function targetsOf(policy: TrafficPolicy): string[] {
  return targetNamesOf(policy).map((name) => serviceKey(policy.metadata.namespace, name));
}

function transportOf(policy: TrafficPolicy): TrafficPolicy | undefined {
  return policy.spec.transport ? policy : undefined;
}

/** `TrafficPolicy a takes loadBalancer, outlierDetection`, per winner, for the fields `policy` sets in vain. */
function losses(policy: TrafficPolicy, first: Precedence): string[] {
  const lost: string[] = [];
  const fields = wholeFields(policy.spec);
  if (first.whole !== policy && fields.length > 0) {
    lost.push(`TrafficPolicy ${first.whole.metadata.name} takes ${fields.join(', ')}`);
  }
  if (policy.spec.transport && first.transport !== policy) {
    lost.push(`TrafficPolicy ${first.transport!.metadata.name} takes transport`);
  }
  return lost;
}

/** The fields a policy sets that the data plane takes whole from one policy: all but targetRefs and transport. */
function wholeFields(spec: TrafficPolicySpec): string[] {
  return (Object.keys(spec) as (keyof TrafficPolicySpec)[]).filter(
    (k) => k !== 'targetRefs' && k !== 'transport' && spec[k] !== undefined,
  );
}

function accepted(status: 'True' | 'False', reason: string, message: string): ConditionSummary {
  return { type: PolicyConditionType.Accepted, status, reason, message };
}
