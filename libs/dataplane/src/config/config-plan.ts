// The first half of applying a snapshot: the whole new config built and validated off the request
// path, with nothing that serves requests changed — the route table and, per cluster, the endpoints
// and policy it will have. RouteConfigurator.commit puts a plan in place in one step.
import {
  egressGatewayOf,
  fail,
  ok,
  serviceKey,
  type EndpointSet,
  type ExternalService,
  type FieldError,
  type Gateway,
  type HTTPRoute,
  type Locality,
  type Resource,
  type Result,
  type Service,
  type TrafficPolicy,
} from '@app/protocol';
import { busServiceKeys } from '../bus/transport-selection.js';
import { compileRouteTable } from '../routing/route-compiler.js';
import type { RouteTable } from '../routing/route-table.js';
import { Cluster } from '../upstream/cluster.js';
import {
  clusterPolicy,
  DEFAULT_TRAFFIC,
  type ClusterPolicy,
  type TrafficSettings,
} from '../upstream/cluster-policy.js';
import type { ClusterLookup, ClusterRegistry } from '../upstream/cluster-registry.js';
import { endpoint, type Endpoint } from '../upstream/endpoint.js';
import { h2cServiceKeys } from '../upstream/upstream-protocol.js';
import { loadUpstreamTls, type UpstreamTls } from '../upstream/upstream-tls.js';
import type { MeshTls } from '../upstream/mesh-tls.js';
import { MeshPolicies } from '../policy/mesh-policies.js';
import { compileClusterPolicies } from './cluster-policies.js';
import type { MeshState } from './mesh-state.js';

export interface ConfigPlanOptions {
  readonly localNamespace: string;
  readonly defaultTimeoutMs: number;
  /** Edge routers: the Gateway (in `localNamespace`) whose listeners they serve. */
  readonly gatewayName?: string;
  /** Where this proxy runs: locality load balancing prefers endpoints near it. */
  readonly locality?: Locality;
  /**
   * Routers in router mode: `namespace/name` of the Gateway they are the routers of, so the
   * egress gateway of the ExternalServices whose `egress.gatewayRef` names it.
   */
  readonly egressGateway?: string;
}

/** One cluster as the commit leaves it. */
export interface PlannedCluster {
  /** A live cluster, or a new one the commit puts in service. */
  readonly cluster: Cluster;
  readonly endpoints: readonly Endpoint[];
  /** Built from the cluster's current policy: the parts whose settings are unchanged are its own. */
  readonly policy: ClusterPolicy;
}

export interface ConfigPlan {
  readonly table: RouteTable;
  /** Every live cluster, and each new one the table, a policy or an endpoint set names. */
  readonly clusters: readonly PlannedCluster[];
  /** The Services reached over the bus, with their traffic settings. */
  readonly bus: ReadonlyMap<string, TrafficSettings>;
  /** The snapshot's endpoint sets, by Service key (bus memberships follow them). */
  readonly endpointSets: ReadonlyMap<string, EndpointSet>;
  /**
   * ExternalServices: Services with static endpoints (routers answer the bus for them); those with
   * an egress gateway only at that gateway's routers.
   */
  readonly statics: ReadonlySet<string>;
  /** The policy resources (PeerAuthentications, …) that workloads' inbound sides enforce. */
  readonly policies: MeshPolicies;
}

/**
 * Plans `state` over the `live` clusters, or says why it cannot be applied. Reads the files of
 * ExternalServices that originate TLS; changes nothing: a rejected plan leaves no trace.
 */
export function planConfig(
  state: MeshState,
  live: ClusterRegistry,
  options: ConfigPlanOptions,
  /** The proxy's mesh mTLS, when it has a workload identity. */
  mesh?: MeshTls,
): Result<ConfigPlan> {
  const { services, routes, policies, externals, gateways } = byKind(state.resources.values());
  const egress = egressRoles(externals, options.egressGateway);
  // Only the proxies that dial an ExternalService read its TLS files (its egress gateway's routers).
  const tls = loadExternalTls(externals.filter((e) => egress.get(keyOf(e)) !== 'caller'));
  if (!tls.ok) return tls;
  const clusters = new PlannedClusters(live);
  const table = compileRouteTable(
    {
      revision: state.revision,
      services,
      routes,
      externalServices: externals,
      endpointSets: new Set(state.endpointSets.keys()),
      localNamespace: options.localNamespace,
      defaultTimeoutMs: options.defaultTimeoutMs,
      gateway: gateways.find(
        (g) =>
          g.metadata.name === options.gatewayName &&
          g.metadata.namespace === options.localNamespace,
      ),
    },
    clusters,
  );
  if (!table.ok) return table;
  const traffic = compileClusterPolicies(policies, options.locality);
  const h2c = h2cServiceKeys(services);
  const endpoints = plannedEndpoints(state.endpointSets, externals, tls.value, mesh, egress);
  // A cluster keeps the endpoints it has unless the snapshot brings its set; every cluster takes
  // the snapshot's policy (the default when no TrafficPolicy targets it).
  for (const key of [...traffic.keys(), ...endpoints.keys()]) clusters.get(key);
  const planned = clusters.all().map((cluster): PlannedCluster => ({
    cluster,
    endpoints: endpoints.get(cluster.key) ?? cluster.all,
    policy: clusterPolicy(
      traffic.get(cluster.key) ?? DEFAULT_TRAFFIC,
      { protocol: h2c.has(cluster.key) ? 'h2c' : 'http1', tls: tls.value.get(cluster.key) },
      cluster.policy,
    ),
  }));
  const bus = new Map<string, TrafficSettings>();
  for (const key of [...busServiceKeys(services, policies), ...egress.keys()])
    bus.set(key, traffic.get(key) ?? DEFAULT_TRAFFIC);
  const statics = new Set(externals.map(keyOf).filter((key) => egress.get(key) !== 'caller'));
  return ok({
    table: table.value,
    clusters: planned,
    bus,
    endpointSets: new Map(state.endpointSets),
    statics,
    policies: new MeshPolicies(state.resources.values()),
  });
}

/** The live cluster of a key, or a new one that only the plan holds until it is committed. */
class PlannedClusters implements ClusterLookup {
  private readonly made = new Map<string, Cluster>();

  constructor(private readonly live: ClusterRegistry) {}

  get(key: string): Cluster {
    let cluster = this.live.find(key) ?? this.made.get(key);
    if (!cluster) {
      cluster = new Cluster(key);
      this.made.set(key, cluster);
    }
    return cluster;
  }

  all(): Cluster[] {
    return [...this.live.values(), ...this.made.values()];
  }
}

/**
 * What this proxy is to each ExternalService with an egress gateway, by Service key: one of that
 * gateway's routers (it dials the endpoints), or a caller (it only reaches them over the bus).
 */
function egressRoles(
  externals: readonly ExternalService[],
  ownGateway: string | undefined,
): Map<string, 'gateway' | 'caller'> {
  const roles = new Map<string, 'gateway' | 'caller'>();
  for (const ext of externals) {
    const gateway = egressGatewayOf(ext);
    if (gateway === undefined) continue;
    roles.set(keyOf(ext), gateway === ownGateway ? 'gateway' : 'caller');
  }
  return roles;
}

/**
 * The endpoints of each Service the snapshot lists them for: its endpoint sets, its ExternalServices.
 * An ExternalService that leaves through an egress gateway has none but at that gateway's routers:
 * whatever path does not go over the bus (an Upgrade, a proxy without a bus) finds no endpoint to
 * dial, so nothing bypasses the gateway.
 */
function plannedEndpoints(
  sets: ReadonlyMap<string, EndpointSet>,
  externals: readonly ExternalService[],
  tls: ReadonlyMap<string, UpstreamTls>,
  mesh: MeshTls | undefined,
  egress: ReadonlyMap<string, 'gateway' | 'caller'>,
): Map<string, readonly Endpoint[]> {
  const byKey = new Map<string, readonly Endpoint[]>();
  for (const [key, set] of sets) byKey.set(key, endpointsOf(set, mesh));
  for (const ext of externals) {
    const { name, namespace } = ext.metadata;
    const key = serviceKey(namespace, name);
    if (egress.get(key) === 'caller') {
      byKey.set(key, []);
      continue;
    }
    const scheme = tls.has(key) ? 'https' : 'http';
    byKey.set(
      key,
      ext.spec.endpoints.map((e, i) => endpoint(`${name}-${i}`, e.address, e.port, scheme)),
    );
  }
  return byKey;
}

/**
 * A published endpoint set as a cluster's endpoints (none for a deleted set): with `mesh` (the
 * proxy has a workload identity), mutual TLS to each instance the control plane did not mark
 * plaintext (its PeerAuthentication is DISABLE), another cluster's through its east-west gateway.
 */
export function endpointsOf(set: EndpointSet | undefined, mesh?: MeshTls): Endpoint[] {
  return (
    set?.endpoints.map((e) =>
      mesh && !e.plaintext
        ? endpoint(
            e.instanceId,
            e.address,
            e.port,
            'https',
            e.sni === undefined
              ? mesh.toInstance(e.namespace, e.serviceAccount)
              : mesh.throughGateway(e.namespace, e.serviceAccount, e.sni),
            e,
          )
        : endpoint(e.instanceId, e.address, e.port, 'http', undefined, e),
    ) ?? []
  );
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

function keyOf(ext: ExternalService): string {
  return serviceKey(ext.metadata.namespace, ext.metadata.name);
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
    else if (r.kind === 'ExternalService') out.externals.push(r);
  }
  return out;
}
