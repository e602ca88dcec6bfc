// Which workloads a policy applies to, as Istio's proxies decide it: its namespace's (every
// namespace's from the root namespace) whose labels hold every label of `selector.matchLabels`;
// and the order policies are evaluated in.
import { inPrecedenceOrder } from '../resources/policy-precedence.js';
import { ROOT_NAMESPACE } from '../resources/peer-authentication.dto.js';

interface SelectingPolicy {
  readonly metadata: { readonly namespace: string; readonly name: string };
  readonly spec: {
    readonly selector?: { readonly matchLabels?: Readonly<Record<string, string>> };
  };
}

export function policySelects(
  policy: SelectingPolicy,
  namespace: string,
  labels: Readonly<Record<string, string>>,
): boolean {
  const own = policy.metadata.namespace;
  if (own !== namespace && own !== ROOT_NAMESPACE) return false;
  const wanted = policy.spec.selector?.matchLabels ?? {};
  return Object.entries(wanted).every(
    ([key, value]) => Object.hasOwn(labels, key) && labels[key] === value,
  );
}

/**
 * The order the data plane evaluates policies of one action in, and so which one a decision names:
 * the root namespace's (mesh-wide, the operator's) first, then by namespace/name. Istio gives no
 * order; any fixed one decides the same, it only names the policy.
 */
export function inEvaluationOrder<P extends SelectingPolicy>(policies: readonly P[]): P[] {
  const sorted = inPrecedenceOrder(policies);
  return [
    ...sorted.filter((p) => p.metadata.namespace === ROOT_NAMESPACE),
    ...sorted.filter((p) => p.metadata.namespace !== ROOT_NAMESPACE),
  ];
}
