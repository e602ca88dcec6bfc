// Policy status as the control plane reports it: Gateway API's (GEP-713 `PolicyStatus`,
// `PolicyAncestorStatus`) for TrafficPolicies, plain conditions for AuthorizationPolicies.
import type { AuthorizationPolicy } from './authorization-policy.dto.js';
import type { ParentReference } from './http-route.dto.js';
import type { Condition } from './route-status.js';
import type { TrafficPolicy } from './traffic-policy.dto.js';

/**
 * One entry per target Service: GEP-713 makes the target the nearest ancestor, and with no Gateway
 * in the path (mesh traffic) it is the one where the policy takes effect or not.
 */
export interface PolicyAncestorStatus {
  readonly ancestorRef: ParentReference;
  readonly controllerName: string;
  readonly conditions: readonly Condition[];
}

export interface PolicyStatus {
  readonly ancestors: readonly PolicyAncestorStatus[];
}

/** A TrafficPolicy as `GET /v1/resources` lists it: as applied, plus its computed status. */
export type TrafficPolicyWithStatus = TrafficPolicy & { readonly status?: PolicyStatus };

/**
 * An AuthorizationPolicy selects workloads by label, not a Gateway API target: its status is its
 * conditions (`Accepted`: whether it applies to any ready instance now, and to which).
 */
export interface AuthorizationPolicyStatus {
  readonly conditions: readonly Condition[];
}

/** An AuthorizationPolicy as `GET /v1/resources` lists it: as applied, plus its computed status. */
export type AuthorizationPolicyWithStatus = AuthorizationPolicy & {
  readonly status?: AuthorizationPolicyStatus;
};

/** Gateway API `PolicyConditionType`s Weft sets. */
export const PolicyConditionType = {
  Accepted: 'Accepted',
} as const;

/** Gateway API `PolicyConditionReason`s Weft sets. */
export const PolicyReason = {
  Accepted: 'Accepted',
  /** Another policy on the same Service takes precedence for the fields this one sets. */
  Conflicted: 'Conflicted',
  TargetNotFound: 'TargetNotFound',
} as const;
