// Builds a RouteTable from Services, HTTPRoutes and known endpoint sets, off the request path.
import {
  parseServiceKey,
  fail,
  ok,
  serviceKey,
  type ExternalService,
  type FieldError,
  type Gateway,
  type HTTPRoute,
  type HTTPRouteMatch,
  type HTTPRouteRule,
  type Result,
  type Service,
} from '@app/protocol';
import { compileFilters } from '../filters/compile-filters.js';
import { withBackendFilters } from '../filters/backend-filters.js';
import type { Cluster } from '../upstream/cluster.js';
import type { ClusterLookup } from '../upstream/cluster-registry.js';
import { parseDurationMs } from '@app/protocol';
import { compileGatewayRoutes } from './gateway-compiler.js';
import type { GatewayRoutes } from './gateway-routes.js';
import { compileHeaderMatcher } from './header-matcher.js';
import { compilePathMatcher } from './path-matcher.js';
import { compileQueryMatcher } from './query-matcher.js';
import { compileServiceHost } from './service-host-compiler.js';
import {
  RouteTable,
  VirtualHost,
  type CompiledMatch,
  type CompiledRoute,
  type RetryPolicy,
  type WeightedBackend,
} from './route-table.js';

export interface RouteSources {
  readonly revision: number;
  readonly services: readonly Service[];
  readonly routes: readonly HTTPRoute[];
  /** Services outside the mesh: known by name, and by the extra hostnames they list. */
  readonly externalServices: readonly ExternalService[];
  /** Cluster keys (`ns/service`) that have a published endpoint set, with or without a Service resource. */
  readonly endpointSets: ReadonlySet<string>;
  /**
   * Namespace whose services answer to their short name; also the callers' namespace, whose
   * consumer routes (GAMMA) apply to them.
   */
  readonly localNamespace: string;
  /** Applied when a rule sets no timeout (Envoy's route default is 15 s). */
  readonly defaultTimeoutMs: number;
  /** The Gateway an edge router serves: its listeners get the routes attached to it. */
  readonly gateway?: Gateway;
}

interface RankedMatch extends CompiledMatch {
  readonly routeOrder: string;
  readonly ruleIndex: number;
  readonly headerCount: number;
}

/**
 * Pure but for `clusters`, which hands out the cluster of each Service the table refers to (a
 * config plan's lookup makes new ones without putting them in service).
 */
export function compileRouteTable(src: RouteSources, clusters: ClusterLookup): Result<RouteTable> {
  const known = new Set(src.endpointSets);
  for (const svc of [...src.services, ...src.externalServices]) {
    known.add(serviceKey(svc.metadata.namespace, svc.metadata.name));
  }
  /** A reference's cluster: undefined when no known Service has that key (Gateway API: 500). */
  const resolve = (key: string): Cluster | undefined =>
    known.has(key) ? clusters.get(key) : undefined;

  // A route attaches only to Services that exist (a resource or registered instances); the
  // control plane reports the others as Accepted=False NoMatchingParent.
  const attached = new Map<string, HTTPRoute[]>();
  for (const route of src.routes) {
    for (const key of new Set(serviceParents(route))) {
      if (!known.has(key)) continue;
      const list = attached.get(key);
      if (list) list.push(route);
      else attached.set(key, [route]);
    }
  }
  const errors: FieldError[] = [];
  const compile = (route: HTTPRoute) => compileRoute(route, resolve, src.defaultTimeoutMs, errors);
  let gateway: GatewayRoutes | undefined;
  if (src.gateway) gateway = compileGatewayRoutes(src.gateway, src.routes, compile, byPrecedence);

  const resources = new Map(
    src.services.map((svc) => [serviceKey(svc.metadata.namespace, svc.metadata.name), svc]),
  );
  const hosts = new Map<string, VirtualHost>();
  for (const key of known) {
    const ref = parseServiceKey(key);
    if (!ref) continue;
    const { namespace, name } = ref;
    const fallback = () => defaultMatch(key, clusters, src.defaultTimeoutMs);
    const vhost = compileServiceHost({
      namespace,
      name,
      service: resources.get(key),
      routes: attached.get(key) ?? [],
      callerNamespace: src.localNamespace,
      compile,
      byPrecedence,
      fallback,
    });
    for (const host of serviceHostnames(name, namespace, src.localNamespace))
      hosts.set(host, vhost);
  }
  if (errors.length > 0) return fail(errors);
  for (const ext of src.externalServices) {
    const vhost = hosts.get(`${ext.metadata.name}.${ext.metadata.namespace}`)!;
    for (const host of ext.spec.hosts ?? []) hosts.set(host, vhost);
  }
  return ok(new RouteTable(src.revision, hosts, gateway));
}

/** Cluster keys of the Services a route attaches to (GAMMA); Gateway parents are not ours. */
function serviceParents(route: HTTPRoute): string[] {
  return route.spec.parentRefs
    .filter((parent) => (parent.kind ?? 'Gateway') === 'Service')
    .map((parent) => serviceKey(parent.namespace ?? route.metadata.namespace, parent.name));
}

/** The DNS names a Service answers to, as Kubernetes resolves them from the caller's namespace. */
export function serviceHostnames(
  name: string,
  namespace: string,
  localNamespace: string,
): string[] {
  const names = [
    `${name}.${namespace}`,
    `${name}.${namespace}.svc`,
    `${name}.${namespace}.svc.cluster.local`,
    // The Kubernetes multi-cluster services name of an imported (or local) Service.
    `${name}.${namespace}.svc.clusterset.local`,
  ];
  if (namespace === localNamespace) names.push(name);
  return names;
}

function compileRoute(
  route: HTTPRoute,
  resolve: (key: string) => Cluster | undefined,
  defaultTimeoutMs: number,
  errors: FieldError[],
): RankedMatch[] {
  const { namespace, name } = route.metadata;
  const label = `HTTPRoute/${namespace}/${name}`;
  return route.spec.rules.flatMap((rule, ruleIndex) => {
    const rulePolicy: CompiledRoute = {
      name: `${label}#${ruleIndex}`,
      ...weightedBackends(rule, namespace, resolve),
      ...compileFilters(rule.filters ?? [], namespace, resolve),
      timeoutMs: ruleTimeoutMs(rule, defaultTimeoutMs),
      requestTimeoutMs: requestTimeoutMs(rule),
      retry: retryPolicy(rule),
    };
    const compiled = withBackendFilters(rulePolicy, rule.backendRefs ?? []);
    const matches = rule.matches?.length ? rule.matches : [{} as HTTPRouteMatch];
    return matches.flatMap((match, matchIndex) => {
      try {
        return [rankedMatch(match, compiled, `${namespace}/${name}`, ruleIndex)];
      } catch (err) {
        const path = `spec.rules[${ruleIndex}].matches[${matchIndex}]`;
        errors.push({ resource: label, path, message: (err as Error).message });
        return [];
      }
    });
  });
}

function weightedBackends(
  rule: HTTPRouteRule,
  namespace: string,
  resolve: (key: string) => Cluster | undefined,
): Pick<CompiledRoute, 'backends' | 'totalWeight'> {
  let total = 0;
  const backends: WeightedBackend[] = (rule.backendRefs ?? []).map((ref) => {
    const key = serviceKey(ref.namespace ?? namespace, ref.name);
    total += ref.weight;
    return {
      name: key,
      cluster: resolve(key),
      port: ref.port,
      cumulativeWeight: total,
    };
  });
  return { backends, totalWeight: total };
}

/**
 * Gateway API leaves unset fields to the implementation: 1 more attempt, 25 ms apart (Envoy's
 * base). A retry with `attempts` and no `codes` resends no HTTP status, only the gRPC statuses a
 * TrafficPolicy's `grpcRetry` lists.
 */
function retryPolicy(rule: HTTPRouteRule): RetryPolicy | undefined {
  const retry = rule.retry;
  if (!retry?.codes?.length && retry?.attempts === undefined) return undefined;
  const backoffMs =
    retry.backoff === undefined ? DEFAULT_BACKOFF_MS : parseDurationMs(retry.backoff);
  return { codes: new Set(retry.codes ?? []), attempts: retry.attempts ?? 1, backoffMs };
}

const DEFAULT_BACKOFF_MS = 25;

/**
 * `timeouts.request` bounds the whole exchange, response body included; unset (or `0s`) it bounds
 * nothing beyond each try, so long streams (gRPC, server-sent events) are not cut by a default.
 */
function requestTimeoutMs(rule: HTTPRouteRule): number {
  const request = rule.timeouts?.request;
  return request === undefined ? 0 : parseDurationMs(request);
}

/** The per-try timeout: the rule's own when it sets one (`0s` turns it off, as Gateway API says), else the default. */
function ruleTimeoutMs(rule: HTTPRouteRule, fallback: number): number {
  const timeout = rule.timeouts?.backendRequest ?? rule.timeouts?.request;
  return timeout === undefined ? fallback : parseDurationMs(timeout);
}

function rankedMatch(
  match: HTTPRouteMatch,
  route: CompiledRoute,
  routeOrder: string,
  ruleIndex: number,
): RankedMatch {
  const headers = (match.headers ?? []).map(compileHeaderMatcher);
  const query = (match.queryParams ?? []).map(compileQueryMatcher);
  return {
    path: compilePathMatcher(match.path),
    method: match.method,
    headers,
    query,
    route,
    routeOrder,
    ruleIndex,
    headerCount: headers.length,
  };
}

function defaultMatch(key: string, clusters: ClusterLookup, timeoutMs: number): RankedMatch {
  const route: CompiledRoute = {
    name: `default/${key}`,
    backends: [{ name: key, cluster: clusters.get(key), cumulativeWeight: 1 }],
    totalWeight: 1,
    timeoutMs,
    mirrors: [],
  };
  return rankedMatch({}, route, key, 0);
}

const PATH_TYPE_RANK = { Exact: 0, RegularExpression: 1, PathPrefix: 2 } as const;

/**
 * Gateway API precedence: Exact path, then longest prefix, then method match, then most header
 * matches, then most query parameter matches; ties go to the route first in alphabetical `namespace/name` (we keep no creation
 * time), then to the earlier rule. Regular expressions rank between Exact and PathPrefix.
 */
function byPrecedence(a: RankedMatch, b: RankedMatch): number {
  return (
    PATH_TYPE_RANK[a.path.type] - PATH_TYPE_RANK[b.path.type] ||
    b.path.length - a.path.length ||
    Number(b.method !== undefined) - Number(a.method !== undefined) ||
    b.headerCount - a.headerCount ||
    b.query.length - a.query.length ||
    a.routeOrder.localeCompare(b.routeOrder) ||
    a.ruleIndex - b.ruleIndex
  );
}
