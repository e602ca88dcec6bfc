// The status a cluster object should carry: Weft's Accepted/ResolvedRefs conditions (as the admin API computes them, or Accepted=False naming the invalid field), a Gateway's conditions and listeners, stamped with the object's generation, beside other controllers' entries.
import {
  RouteConditionType,
  WEFT_CONTROLLER_NAME,
  type Condition,
  type ConditionSummary,
  type FieldError,
  type ParentReference,
} from '@app/protocol';
import { stampConditions } from '../status/condition-transitions.js';
import type { GatewayVerdict } from '../status/gateway-status.js';

/** What Weft made of one object: the conditions it computed, or why it refused the object. */
export type ObjectVerdict =
  /** Per parent (HTTPRoute) or ancestor (TrafficPolicy) reference, its conditions. */
  | { readonly refs: readonly RefConditions[] }
  /** Conditions of the object itself (PeerAuthentication, AuthorizationPolicy, ExternalService). */
  | { readonly conditions: readonly ConditionSummary[] }
  /** A Gateway's own conditions and its listeners'. */
  | { readonly gateway: GatewayVerdict }
  | { readonly invalid: readonly FieldError[] };

export interface RefConditions {
  readonly ref: ParentReference;
  readonly conditions: readonly ConditionSummary[];
}

/** The cluster object's status as the watch last delivered it. */
export interface ObjectStatus {
  readonly generation: number | undefined;
  readonly status: unknown;
}

/** Gateway API's reason for a route or Gateway with a field it cannot take; GEP-713's for such a policy. */
const INVALID_REASON = {
  HTTPRoute: 'UnsupportedValue',
  // Gateway API's reason for a Gateway "syntactically or semantically invalid" (Accepted, Programmed).
  Gateway: 'Invalid',
  other: 'Invalid',
} as const;

/** A route has at most 32 parentRefs and a policy 16 targetRefs (Gateway API): more is not status. */
const MAX_REFS = 32;

/**
 * The object's next status (JSON-equal to its current one when nothing changed). HTTPRoutes keep
 * other controllers' `parents` and TrafficPolicies their `ancestors`: a merge patch replaces a list
 * whole, so the patch carries theirs too.
 */
export function desiredStatus(
  kind: string,
  object: ObjectStatus & { readonly spec: unknown },
  verdict: ObjectVerdict,
  now: string,
): Record<string, unknown> {
  const generation = object.generation;
  const stamp = (
    conditions: readonly ConditionSummary[],
    before: readonly Condition[] | undefined,
  ) =>
    stampConditions(conditions, before, now).map((c) =>
      generation === undefined ? c : { ...c, observedGeneration: generation },
    );
  const current = (typeof object.status === 'object' && object.status) || {};
  if (kind === 'HTTPRoute' || kind === 'TrafficPolicy') {
    const [list, refKey] =
      kind === 'HTTPRoute' ? ['parents', 'parentRef'] : ['ancestors', 'ancestorRef'];
    const entries = arrayOf((current as Record<string, unknown>)[list]);
    const others = entries.filter((e) => e.controllerName !== WEFT_CONTROLLER_NAME);
    const ours = entries.filter((e) => e.controllerName === WEFT_CONTROLLER_NAME);
    const refs = 'refs' in verdict ? verdict.refs : invalidRefs(kind, object.spec, verdict);
    return {
      [list]: [
        ...others,
        ...refs.map(({ ref, conditions }) => ({
          [refKey]: ref,
          controllerName: WEFT_CONTROLLER_NAME,
          conditions: stamp(
            conditions,
            ours.find((e) => sameRef(e[refKey], ref))?.conditions as Condition[] | undefined,
          ),
        })),
      ],
    };
  }
  if (kind === 'Gateway') return gatewayStatus(current as Record<string, unknown>, verdict, stamp);
  const before = arrayOf((current as Record<string, unknown>).conditions) as unknown as Condition[];
  const conditions =
    'conditions' in verdict ? verdict.conditions : [invalidCondition('other', verdict)];
  return { conditions: stamp(conditions, before) };
}

/**
 * A Gateway's conditions and one entry per listener, each listener's transition times kept from
 * its entry of the same name. A Gateway Weft refuses is neither accepted nor programmed, and has
 * no listener entries (an empty list, so a merge patch clears those of its previous version).
 */
function gatewayStatus(
  current: Record<string, unknown>,
  verdict: ObjectVerdict,
  stamp: (c: readonly ConditionSummary[], before: readonly Condition[] | undefined) => Condition[],
): Record<string, unknown> {
  const before = arrayOf(current.conditions) as unknown as Condition[];
  if (!('gateway' in verdict)) {
    const refused = invalidCondition('Gateway', verdict);
    const conditions = [refused, { ...refused, type: 'Programmed' }];
    return { conditions: stamp(conditions, before), listeners: [] };
  }
  const listenersBefore = arrayOf(current.listeners);
  return {
    conditions: stamp(verdict.gateway.conditions, before),
    listeners: verdict.gateway.listeners.map((l) => ({
      name: l.name,
      supportedKinds: l.supportedKinds.map((k) => ({ ...k })),
      attachedRoutes: l.attachedRoutes,
      conditions: stamp(
        l.conditions,
        listenersBefore.find((e) => e.name === l.name)?.conditions as Condition[] | undefined,
      ),
    })),
  };
}

/** Accepted=False for each reference the invalid object names (none when even they are unreadable). */
function invalidRefs(kind: string, spec: unknown, verdict: ObjectVerdict): RefConditions[] {
  const field = kind === 'HTTPRoute' ? 'parentRefs' : 'targetRefs';
  const raw =
    typeof spec === 'object' && spec !== null ? (spec as Record<string, unknown>)[field] : [];
  const refs = arrayOf(raw)
    .filter((r): r is Record<string, unknown> & { name: string } => typeof r.name === 'string')
    .slice(0, MAX_REFS);
  const condition = invalidCondition(kind === 'HTTPRoute' ? 'HTTPRoute' : 'other', verdict);
  return refs.map((r) => ({ ref: referenceOf(r), conditions: [condition] }));
}

/** Accepted=False naming every invalid field: `spec.rules[0].matches: <reason>; …`. */
function invalidCondition(
  reason: keyof typeof INVALID_REASON,
  verdict: ObjectVerdict,
): ConditionSummary {
  const errors = 'invalid' in verdict ? verdict.invalid : [];
  return {
    // Gateway API's route and policy `Accepted` conditions are the same type.
    type: RouteConditionType.Accepted,
    status: 'False',
    reason: INVALID_REASON[reason],
    message: errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; '),
  };
}

/** The reference's own fields, as Gateway API writes them back (group, kind, namespace, name, …). */
function referenceOf(raw: Record<string, unknown>): ParentReference {
  const fields = ['group', 'kind', 'namespace', 'name', 'sectionName', 'port'] as const;
  return Object.fromEntries(
    fields.filter((f) => raw[f] !== undefined).map((f) => [f, raw[f]]),
  ) as unknown as ParentReference;
}

/** The same reference, whatever the key order (the API server gives objects back with its own). */
function sameRef(a: unknown, b: ParentReference): boolean {
  return sortedJson(a) === sortedJson(b);
}

function arrayOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value)
    ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null)
    : [];
}

/** JSON with every object's keys sorted, so equal values compare equal whatever their key order. */
export function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
