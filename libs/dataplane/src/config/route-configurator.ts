// Turns mesh state into the running engine: plans a snapshot whole (config-plan.ts), then commits
// it in one step, or keeps everything as it was when the plan is rejected; applies endpoint sets
// that change between snapshots in place, one whole set at a time.
import { formatErrors, parseServiceKey, type EndpointSet } from '@app/protocol';
import type { BusRoutes } from '../bus/bus-routes.js';
import type { ServedServices } from '../bus/served-services.js';
import type { PolicyHolder } from '../policy/mesh-policies.js';
import type { RouteTableHolder } from '../routing/route-table-holder.js';
import type { ClusterRegistry } from '../upstream/cluster-registry.js';
import type { PoolRegistry } from '../upstream/pool-registry.js';
import type { MeshTls } from '../upstream/mesh-tls.js';
import { endpointsOf, planConfig, type ConfigPlan, type ConfigPlanOptions } from './config-plan.js';
import type { MeshState } from './mesh-state.js';

export type RouteConfiguratorOptions = ConfigPlanOptions;

/** What the configurator puts config into: the engine's parts. */
export interface ConfiguredParts {
  readonly routes: RouteTableHolder;
  readonly clusters: ClusterRegistry;
  readonly pools: PoolRegistry;
  /** Proxies with a bus: the Services reached over it. */
  readonly bus?: BusRoutes;
  /** What this proxy's bus responders answer for. */
  readonly served: ServedServices;
  /** The policies its workloads' inbound sides enforce. */
  readonly policies: PolicyHolder;
  /** Mutual TLS to meshed endpoints, when the proxy has a workload identity. */
  readonly meshTls?: MeshTls;
}

/** Outcome of applying a snapshot: applied, or rejected with the reason (the old config keeps serving). */
export type ApplyOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** What a config follower hands its changes to. */
export type ConfigTarget = Pick<RouteConfigurator, 'applySnapshot' | 'applyEndpoints' | 'release'>;

export class RouteConfigurator {
  constructor(
    private readonly parts: ConfiguredParts,
    private readonly options: RouteConfiguratorOptions,
  ) {}

  /** Plans `state` whole off the request path; commits it, or leaves everything untouched. */
  applySnapshot(state: MeshState): ApplyOutcome {
    const plan = planConfig(state, this.parts.clusters, this.options, this.parts.meshTls);
    if (!plan.ok) return { ok: false, error: formatErrors(plan.errors) };
    this.commit(plan.value);
    return { ok: true };
  }

  /** Applies one endpoint set in place; true when its Service was unknown to the current table. */
  applyEndpoints(key: string, set: EndpointSet | undefined): boolean {
    const { routes, clusters, pools, served } = this.parts;
    clusters.setEndpoints(key, endpointsOf(set, this.parts.meshTls));
    pools.retain(clusters.origins());
    served.endpointSet(key, set);
    const ref = parseServiceKey(key);
    return ref !== undefined && routes.current.host(`${ref.name}.${ref.namespace}`) === undefined;
  }

  /**
   * Releases the clusters of Services no longer followed, once a table without them runs: their
   * pools close when no other cluster sends to their origins.
   */
  release(keys: readonly string[]): void {
    const { clusters, pools } = this.parts;
    clusters.remove(keys);
    pools.retain(clusters.origins());
  }

  /**
   * Puts a plan in place, synchronously, so that no request sees half of it: every cluster takes
   * its endpoints and policy, the table is swapped; then pools no cluster uses any more close.
   */
  private commit(plan: ConfigPlan): void {
    const { routes, clusters, pools, bus, served, policies } = this.parts;
    clusters.adopt(plan.clusters.map((p) => p.cluster));
    for (const { cluster, endpoints, policy } of plan.clusters) cluster.commit(endpoints, policy);
    bus?.update(plan.bus);
    routes.swap(plan.table);
    pools.retain(clusters.origins());
    served.committed(plan.endpointSets, plan.statics);
    policies.swap(plan.policies);
  }
}
