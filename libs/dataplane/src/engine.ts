// The data-plane engine both proxy apps run: route table, clusters, pools, forwarder, metrics.
import { RouteConfigurator, type RouteConfiguratorOptions } from './config/route-configurator.js';
import { HttpListener } from './http/http-listener.js';
import { ProxyMetrics } from './metrics/proxy-metrics.js';
import { inboundPipeline, outboundPipeline } from './pipeline.js';
import { RouteTableHolder } from './routing/route-table-holder.js';
import { Cluster } from './upstream/cluster.js';
import { ClusterRegistry } from './upstream/cluster-registry.js';
import { endpoint } from './upstream/endpoint.js';
import { Forwarder } from './upstream/forwarder.js';
import { PoolRegistry } from './upstream/pool-registry.js';

export class DataPlaneEngine {
  readonly routes = new RouteTableHolder();
  readonly clusters = new ClusterRegistry();
  readonly pools = new PoolRegistry();
  readonly metrics = new ProxyMetrics();
  readonly forwarder = new Forwarder(this.pools, this.metrics);
  readonly configurator: RouteConfigurator;

  constructor(private readonly options: RouteConfiguratorOptions) {
    this.configurator = new RouteConfigurator(this.routes, this.clusters, this.pools, options);
  }

  /** A listener that routes into the mesh (sidecar outbound, router). */
  outboundListener(name: string): HttpListener {
    return new HttpListener(name, outboundPipeline(this.routes, this.forwarder), this.metrics);
  }

  /** A listener that hands every request to one local application. */
  inboundListener(name: string, appAddress: string, appPort: number): HttpListener {
    const app = new Cluster(`local/${name}`);
    app.setEndpoints([endpoint('local-app', appAddress, appPort)]);
    return new HttpListener(name, inboundPipeline(app, this.forwarder), this.metrics);
  }

  close(): Promise<void> {
    return this.pools.close();
  }
}
