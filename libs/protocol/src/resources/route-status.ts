// Gateway API route status (`RouteStatus`, `RouteParentStatus`, conditions) as the control plane reports it.
import type { HTTPRoute, ParentReference } from './http-route.dto.js';

/** `controllerName` of every RouteParentStatus Weft writes (Gateway API: DOMAIN/PATH). */
export const WEFT_CONTROLLER_NAME = 'weft.dev/control-plane';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** Kubernetes `metav1.Condition`. Weft keeps no per-resource generation, so `observedGeneration` is left out. */
export interface Condition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
  /** ISO time the condition last changed its status or reason. */
  readonly lastTransitionTime: string;
}

export interface RouteParentStatus {
  readonly parentRef: ParentReference;
  readonly controllerName: string;
  readonly conditions: readonly Condition[];
}

export interface RouteStatus {
  readonly parents: readonly RouteParentStatus[];
}

/** An HTTPRoute as `GET /v1/resources` lists it: as applied, plus its computed status. */
export type HTTPRouteWithStatus = HTTPRoute & { readonly status?: RouteStatus };

/** Gateway API route condition types (`RouteConditionType`). */
export const RouteConditionType = {
  Accepted: 'Accepted',
  ResolvedRefs: 'ResolvedRefs',
} as const;

/**
 * Reasons Weft sets. All but `BackendWeightsZero` are Gateway API's `RouteConditionReason`s;
 * Gateway API lets controllers add their own and has none for a rule whose weights sum to zero.
 */
export const RouteReason = {
  Accepted: 'Accepted',
  NoMatchingParent: 'NoMatchingParent',
  NotAllowedByListeners: 'NotAllowedByListeners',
  NoMatchingListenerHostname: 'NoMatchingListenerHostname',
  ResolvedRefs: 'ResolvedRefs',
  BackendNotFound: 'BackendNotFound',
  /** Weft's own: some rule can forward nowhere because its backendRefs' weights sum to 0. */
  BackendWeightsZero: 'BackendWeightsZero',
} as const;

/** A condition as the apply answer reports it: what to read, without bookkeeping fields. */
export type ConditionSummary = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;
