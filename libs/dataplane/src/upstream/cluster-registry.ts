// Clusters by Service key, shared by successive route tables so endpoint updates need no recompile.
import { Cluster } from './cluster.js';
import type { Endpoint } from './endpoint.js';

/** What a route compile asks for: the cluster a table refers to for a Service key. */
export interface ClusterLookup {
  get(key: string): Cluster;
}

export class ClusterRegistry implements ClusterLookup {
  private readonly clusters = new Map<string, Cluster>();

  /** The cluster of `key`, made (with no endpoints, the default policy) the first time. */
  get(key: string): Cluster {
    let cluster = this.clusters.get(key);
    if (!cluster) {
      cluster = new Cluster(key);
      this.clusters.set(key, cluster);
    }
    return cluster;
  }

  /** The cluster of `key` if there is one; makes none. */
  find(key: string): Cluster | undefined {
    return this.clusters.get(key);
  }

  /** Part of a config commit: the clusters its plan made are served from now on. */
  adopt(clusters: Iterable<Cluster>): void {
    for (const cluster of clusters)
      if (!this.clusters.has(cluster.key)) this.clusters.set(cluster.key, cluster);
  }

  /** Takes the clusters of destinations no longer followed out of service (requests on them finish). */
  remove(keys: Iterable<string>): void {
    for (const key of keys) this.clusters.delete(key);
  }

  setEndpoints(key: string, endpoints: readonly Endpoint[]): void {
    this.get(key).setEndpoints(endpoints);
  }

  /** Every origin some cluster still sends to (pools of the others can close). */
  origins(): Set<string> {
    const origins = new Set<string>();
    for (const cluster of this.clusters.values()) {
      for (const ep of cluster.all) origins.add(ep.origin);
    }
    return origins;
  }

  keys(): IterableIterator<string> {
    return this.clusters.keys();
  }

  values(): IterableIterator<Cluster> {
    return this.clusters.values();
  }
}
