// The data-plane engine both proxy apps run: route table, clusters, pools, forwarder, metrics.
import type { Tracer } from '@opentelemetry/api';
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
import { HopTracer } from './telemetry/hop-tracer.js';
import type { AccessLog } from './telemetry/access-log.js';

export class DataPlaneEngine {
  readonly routes = new RouteTableHolder();
  readonly clusters = new ClusterRegistry();
  readonly pools = new PoolRegistry();
  readonly metrics = new ProxyMetrics();
  readonly tracer: HopTracer;
  readonly forwarder: Forwarder;
  readonly configurator: RouteConfigurator;

  constructor(
    options: RouteConfiguratorOptions,
    tracer: Tracer,
    private readonly accessLog?: AccessLog,
  ) {
    this.tracer = new HopTracer(tracer);
    this.forwarder = new Forwarder(this.pools, this.metrics, this.tracer);
    this.configurator = new RouteConfigurator(this.routes, this.clusters, this.pools, options);
  }

  /** A listener that routes into the mesh (sidecar outbound, router). */
  outboundListener(name: string): HttpListener {
    const handler = outboundPipeline(this.routes, this.forwarder);
    return new HttpListener(name, handler, this.metrics, this.tracer, this.accessLog);
  }

  /** A listener that hands every request to one local application. */
  inboundListener(name: string, appAddress: string, appPort: number): HttpListener {
    const app = new Cluster(`local/${name}`);
    app.setEndpoints([endpoint('local-app', appAddress, appPort)]);
    const handler = inboundPipeline(app, this.forwarder);
    return new HttpListener(name, handler, this.metrics, this.tracer, this.accessLog);
  }

  close(): Promise<void> {
    return this.pools.close();
  }
}
