// Gateway API status of every HTTPRoute, computed from the desired resources and the known Services.
import {
  serviceKey,
  attachRoute,
  attachedServicePort,
  keyOf,
  RouteConditionType,
  RouteReason,
  WEFT_CONTROLLER_NAME,
  type ConditionSummary,
  type Gateway,
  type HTTPRoute,
  type HTTPRouteRule,
  type ParentReference,
  type Resource,
  type RouteStatus,
  type Service,
} from '@app/protocol';
import { stampConditions } from './condition-transitions.js';
import { knownServices } from './known-services.js';
import { routeOrder, shadowedMatches, type Shadowed } from './shadowed-matches.js';

/** A condition as evaluated, before it gets a transition time. */
export type ConditionVerdict = ConditionSummary;

export interface ParentVerdict {
  readonly parentRef: ParentReference;
  readonly conditions: readonly ConditionVerdict[];
  /** What an operator should read: conditions not True, and `Accepted` when a match is shadowed. */
  readonly notices: readonly ConditionVerdict[];
}

export interface RouteVerdict {
  readonly parents: readonly ParentVerdict[];
}

/**
 * The status of every HTTPRoute in `resources`, by KV key. A reference resolves when it names a
 * known Service (`knownServices`: a resource, or `implicitServices`, those with an endpoint set).
 */
export function evaluateRoutes(
  resources: readonly Resource[],
  implicitServices: Iterable<string>,
): Map<string, RouteVerdict> {
  const known = knownServices(resources, implicitServices);
  const gateways = new Map<string, Gateway>();
  const services = new Map<string, Service>();
  for (const r of resources) {
    if (r.kind === 'Gateway') gateways.set(serviceKey(r.metadata.namespace, r.metadata.name), r);
    if (r.kind === 'Service') services.set(serviceKey(r.metadata.namespace, r.metadata.name), r);
  }
  const routes = resources
    .filter((r): r is HTTPRoute => r.kind === 'HTTPRoute')
    .sort((a, b) => routeOrder(a).localeCompare(routeOrder(b)));
  const shadowed = shadowedMatches(routes);
  const verdicts = new Map<string, RouteVerdict>();
  for (const route of routes) {
    const resolved = resolvedRefs(route, known);
    const parents = route.spec.parentRefs.map((parentRef) => {
      const accepted =
        (parentRef.kind ?? 'Gateway') === 'Gateway'
          ? { condition: gatewayAcceptance(route, parentRef, gateways), shadowed: false }
          : acceptance(route, parentRef, known, services, shadowed.get(route) ?? []);
      const conditions = [accepted.condition, resolved];
      const notices = conditions.filter(
        (c) => c.status !== 'True' || (c === accepted.condition && accepted.shadowed),
      );
      return { parentRef, conditions, notices };
    });
    verdicts.set(keyOf(route), { parents });
  }
  return verdicts;
}

/** The verdict as a RouteStatus, transition times kept from `previous` (`stampConditions`). */
export function stampStatus(
  verdict: RouteVerdict,
  previous: RouteStatus | undefined,
  now: string,
): RouteStatus {
  return {
    parents: verdict.parents.map((parent) => {
      const before = previous?.parents.find((p) => sameParent(p.parentRef, parent.parentRef));
      return {
        parentRef: { ...parent.parentRef },
        controllerName: WEFT_CONTROLLER_NAME,
        conditions: stampConditions(parent.conditions, before?.conditions, now),
      };
    }),
  };
}

/** Every parent's notices, without the repeats (ResolvedRefs is the same for each parent). */
export function routeNotices(verdict: RouteVerdict): ConditionSummary[] {
  const seen = new Map<string, ConditionSummary>();
  for (const notice of verdict.parents.flatMap((p) => p.notices)) {
    const id = JSON.stringify([notice.type, notice.status, notice.reason, notice.message]);
    if (!seen.has(id)) seen.set(id, notice);
  }
  return [...seen.values()];
}

/**
 * `Accepted` for a Gateway parent: the Gateway exists, and some listener takes the route (its
 * sectionName and port, the namespaces the listener admits, intersecting hostnames).
 */
function gatewayAcceptance(
  route: HTTPRoute,
  parent: ParentReference,
  gateways: ReadonlyMap<string, Gateway>,
): ConditionVerdict {
  const key = `${parent.namespace ?? route.metadata.namespace}/${parent.name}`;
  const gateway = gateways.get(key);
  if (!gateway) {
    return accepted('False', RouteReason.NoMatchingParent, `Gateway ${key} not found`);
  }
  const attachment = attachRoute(route, parent, gateway);
  if (!attachment.ok) return accepted('False', attachment.reason, attachment.message);
  const listeners = attachment.listeners.map((a) => a.listener.name).join(', ');
  return accepted('True', RouteReason.Accepted, `attached to Gateway ${key} (${listeners})`);
}

/**
 * `Accepted` for a Service parent (GAMMA). Gateway API lets identical matches of different routes
 * coexist (the route first by namespace/name wins), so a shadowed match leaves the route Accepted
 * and is only named in the message.
 */
function acceptance(
  route: HTTPRoute,
  parent: ParentReference,
  known: ReadonlySet<string>,
  services: ReadonlyMap<string, Service>,
  shadowed: readonly Shadowed[],
): { condition: ConditionVerdict; shadowed: boolean } {
  const namespace = parent.namespace ?? route.metadata.namespace;
  const key = serviceKey(namespace, parent.name);
  if (!known.has(key)) {
    const message = `Service ${key} not found: no Service resource and no registered instance by that name`;
    return { condition: accepted('False', RouteReason.NoMatchingParent, message), shadowed: false };
  }
  if (attachedServicePort(parent, services.get(key)) === 'none') {
    const which = [
      parent.port === undefined ? '' : `port ${parent.port}`,
      parent.sectionName === undefined ? '' : `sectionName "${parent.sectionName}"`,
    ].filter(Boolean);
    const message = `Service ${key} has no port matching ${which.join(' and ')}`;
    return { condition: accepted('False', RouteReason.NoMatchingParent, message), shadowed: false };
  }
  const mine = shadowed.filter((s) => s.service === key).map((s) => s.text);
  const message = [`attached to Service ${key}`, ...mine].join('; ');
  return { condition: accepted('True', RouteReason.Accepted, message), shadowed: mine.length > 0 };
}

function accepted(status: 'True' | 'False', reason: string, message: string): ConditionVerdict {
  return { type: RouteConditionType.Accepted, status, reason, message };
}

/**
 * `ResolvedRefs`: every backendRef and mirror backendRef names a known Service, and every rule that
 * forwards has some weight. Missing backends outrank zero weights for the reason (Gateway API's own
 * reason first); the message lists every problem, rule by rule.
 */
function resolvedRefs(route: HTTPRoute, known: ReadonlySet<string>): ConditionVerdict {
  const missing: string[] = [];
  const weightless: string[] = [];
  route.spec.rules.forEach((rule, i) => {
    for (const ref of rule.backendRefs ?? []) {
      if (!known.has(refKey(route, ref)))
        missing.push(`rule ${i} backend ${refName(route, ref)} not found`);
    }
    for (const ref of mirrorRefs(rule)) {
      if (!known.has(refKey(route, ref)))
        missing.push(`rule ${i} mirror backend ${refName(route, ref)} not found`);
    }
    const problem = weightProblem(rule);
    if (problem) weightless.push(`rule ${i} ${problem}, so requests it matches get HTTP 500`);
  });
  const type = RouteConditionType.ResolvedRefs;
  if (missing.length > 0) {
    const message = [...missing, ...weightless].join('; ');
    return { type, status: 'False', reason: RouteReason.BackendNotFound, message };
  }
  if (weightless.length > 0) {
    return {
      type,
      status: 'False',
      reason: RouteReason.BackendWeightsZero,
      message: weightless.join('; '),
    };
  }
  const message = 'every backendRef resolves to a known Service';
  return { type, status: 'True', reason: RouteReason.ResolvedRefs, message };
}

/** Why a rule can forward nowhere; undefined when it can, or when a redirect answers instead. */
function weightProblem(rule: HTTPRouteRule): string | undefined {
  if ((rule.filters ?? []).some((f) => f.type === 'RequestRedirect')) return undefined;
  const refs = rule.backendRefs ?? [];
  if (refs.length === 0) return 'has no backendRefs';
  if (refs.every((r) => r.weight === 0)) return 'has only backendRefs of weight 0';
  return undefined;
}

function mirrorRefs(rule: HTTPRouteRule): { name: string; namespace?: string }[] {
  return (rule.filters ?? []).flatMap((f) =>
    f.type === 'RequestMirror' && f.requestMirror ? [f.requestMirror.backendRef] : [],
  );
}

function refKey(route: HTTPRoute, ref: { name: string; namespace?: string }): string {
  return `${ref.namespace ?? route.metadata.namespace}/${ref.name}`;
}

/** The name as the user wrote it: with a namespace only when it is not the route's own. */
function refName(route: HTTPRoute, ref: { name: string; namespace?: string }): string {
  const ns = ref.namespace ?? route.metadata.namespace;
  return ns === route.metadata.namespace ? ref.name : `${ns}/${ref.name}`;
}

function sameParent(a: ParentReference, b: ParentReference): boolean {
  return (
    (a.kind ?? 'Gateway') === (b.kind ?? 'Gateway') &&
    a.name === b.name &&
    a.namespace === b.namespace &&
    a.port === b.port &&
    a.sectionName === b.sectionName &&
    (a.group ?? '') === (b.group ?? '')
  );
}
