// Turns mesh state into the running engine: compiles and swaps the route table, updates endpoints.
import {
  parseServiceKey,
  fail,
  formatErrors,
  ok,
  serviceKey,
  type EndpointSet,
  type ExternalService,
  type FieldError,
  type Gateway,
  type HTTPRoute,
  type Resource,
  type Result,
  type Service,
  type TrafficPolicy,
} from '@app/protocol';
import { compileRouteTable } from '../routing/route-compiler.js';
import type { RouteTableHolder } from '../routing/route-table-holder.js';
import type { ClusterRegistry } from '../upstream/cluster-registry.js';
import { DEFAULT_POLICY } from '../upstream/cluster.js';
import { endpoint } from '../upstream/endpoint.js';
import { compileClusterPolicies } from './cluster-policies.js';
import type { PoolRegistry } from '../upstream/pool-registry.js';
import type { MeshState } from './mesh-state.js';
import type { BusRoutes } from '../bus/bus-routes.js';
import { busServiceKeys } from '../bus/transport-selection.js';
import { h2cServiceKeys } from '../upstream/upstream-protocol.js';
import { loadUpstreamTls, type UpstreamTls } from '../upstream/upstream-tls.js';

export interface RouteConfiguratorOptions {
  readonly localNamespace: string;
  readonly defaultTimeoutMs: number;
  /** Edge routers: the Gateway (in `localNamespace`) whose listeners they serve. */
  readonly gatewayName?: string;
}

/** Outcome of compiling a snapshot: applied, or rejected with the reason (the old table keeps serving). */
export type ApplyOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

export class RouteConfigurator {
  /** Told every endpoint set applied (a bus responder serves the Services it belongs to). */
  onEndpointSet: ((key: string, set: EndpointSet | undefined) => void) | undefined;
  /** Told the ExternalServices of every applied snapshot (routers answer the bus for them). */
  onStaticServices: ((keys: ReadonlySet<string>) => void) | undefined;

  constructor(
    private readonly routes: RouteTableHolder,
    private readonly clusters: ClusterRegistry,
    private readonly pools: PoolRegistry,
    private readonly options: RouteConfiguratorOptions,
    private readonly bus?: BusRoutes,
  ) {}

  /** Builds a whole new table from `state` off the request path, then swaps it in one assignment. */
  applySnapshot(state: MeshState): ApplyOutcome {
    const { services, routes, policies, externals, gateways } = byKind(state.resources.values());
    const tls = loadExternalTls(externals);
    if (!tls.ok) return { ok: false, error: formatErrors(tls.errors) };
    for (const [key, set] of state.endpointSets) this.setEndpoints(key, set);
    const result = compileRouteTable(
      {
        revision: state.revision,
        services,
        routes,
        externalServices: externals,
        endpointSets: new Set(state.endpointSets.keys()),
        localNamespace: this.options.localNamespace,
        defaultTimeoutMs: this.options.defaultTimeoutMs,
        gateway: gateways.find(
          (g) =>
            g.metadata.name === this.options.gatewayName &&
            g.metadata.namespace === this.options.localNamespace,
        ),
      },
      this.clusters,
    );
    if (!result.ok) return { ok: false, error: formatErrors(result.errors) };
    const statics = new Set<string>();
    for (const ext of externals) {
      const { name, namespace } = ext.metadata;
      const scheme = tls.value.has(serviceKey(namespace, name)) ? 'https' : 'http';
      const endpoints = ext.spec.endpoints.map((e, i) =>
        endpoint(`${name}-${i}`, e.address, e.port, scheme),
      );
      this.clusters.setEndpoints(serviceKey(namespace, name), endpoints);
      statics.add(serviceKey(namespace, name));
    }
    const byTarget = compileClusterPolicies(policies);
    const h2c = h2cServiceKeys(services);
    for (const key of [...this.clusters.keys(), ...byTarget.keys()]) {
      const cluster = this.clusters.get(key);
      cluster.configure(byTarget.get(key) ?? DEFAULT_POLICY);
      cluster.protocol = h2c.has(key) ? 'h2c' : 'http1';
      cluster.tls = tls.value.get(key);
    }
    this.bus?.update(busServiceKeys(services, policies), (k) => byTarget.get(k) ?? DEFAULT_POLICY);
    this.routes.swap(result.value);
    this.pools.retain(this.clusters.origins());
    this.onStaticServices?.(statics);
    return { ok: true };
  }

  /** Applies one endpoint set in place; true when its Service was unknown to the current table. */
  applyEndpoints(key: string, set: EndpointSet | undefined): boolean {
    this.setEndpoints(key, set);
    this.pools.retain(this.clusters.origins());
    const ref = parseServiceKey(key);
    return (
      ref !== undefined && this.routes.current.host(`${ref.name}.${ref.namespace}`) === undefined
    );
  }

  private setEndpoints(key: string, set: EndpointSet | undefined): void {
    const list = set?.endpoints.map((e) => endpoint(e.instanceId, e.address, e.port)) ?? [];
    this.clusters.setEndpoints(key, list);
    this.onEndpointSet?.(key, set);
  }
}

/** Cluster key → TLS settings of every ExternalService that originates TLS, its files read. */
function loadExternalTls(externals: readonly ExternalService[]): Result<Map<string, UpstreamTls>> {
  const byKey = new Map<string, UpstreamTls>();
  const errors: FieldError[] = [];
  for (const ext of externals) {
    const loaded = loadUpstreamTls(ext);
    if (!loaded.ok) errors.push(...loaded.errors);
    else if (loaded.value)
      byKey.set(serviceKey(ext.metadata.namespace, ext.metadata.name), loaded.value);
  }
  return errors.length > 0 ? fail(errors) : ok(byKey);
}

interface ResourcesByKind {
  readonly services: Service[];
  readonly routes: HTTPRoute[];
  readonly policies: TrafficPolicy[];
  readonly externals: ExternalService[];
  readonly gateways: Gateway[];
}

function byKind(resources: Iterable<Resource>): ResourcesByKind {
  const out: ResourcesByKind = {
    services: [],
    routes: [],
    policies: [],
    externals: [],
    gateways: [],
  };
  for (const r of resources) {
    if (r.kind === 'Service') out.services.push(r);
    else if (r.kind === 'HTTPRoute') out.routes.push(r);
    else if (r.kind === 'TrafficPolicy') out.policies.push(r);
    else if (r.kind === 'Gateway') out.gateways.push(r);
    else out.externals.push(r);
  }
  return out;
}
