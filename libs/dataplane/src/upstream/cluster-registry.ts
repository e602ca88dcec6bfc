// Clusters by Service key, shared by successive route tables so endpoint updates need no recompile.
import { Cluster } from './cluster.js';
import type { Endpoint } from './endpoint.js';

export class ClusterRegistry {
  private readonly clusters = new Map<string, Cluster>();

  get(key: string): Cluster {
    let cluster = this.clusters.get(key);
    if (!cluster) {
      cluster = new Cluster(key);
      this.clusters.set(key, cluster);
    }
    return cluster;
  }

  /** The cluster of a reference: undefined when no known Service has that key (Gateway API: 500). */
  resolve(key: string, known: ReadonlySet<string>): Cluster | undefined {
    return known.has(key) ? this.get(key) : undefined;
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
}
