// The data-plane engine both proxy apps run: route table, clusters, pools, bus, forwarder, metrics.
import type { Tracer } from '@opentelemetry/api';
import type { TraceSampling } from '@app/runtime/trace-sampling.js';
import type { CallerIdentity, Subjects } from '@app/protocol';
import { RouteConfigurator, type RouteConfiguratorOptions } from './config/route-configurator.js';
import { HttpListener } from './http/http-listener.js';
import { DEFAULT_LISTENER_LIMITS, type ListenerLimits } from './http/listener-limits.js';
import type { OverloadManager } from './resilience/overload-manager.js';
import { ProxyMetrics } from './metrics/proxy-metrics.js';
import { inboundPipeline, outboundPipeline } from './pipeline.js';
import type { DestinationDiscovery } from './routing/destination-discovery.layer.js';
import { MESH_HOSTS, type HostSelector } from './routing/route-match.layer.js';
import type { SniCertificates } from './http/sni-certificates.js';
import type { InboundMtls } from './http/inbound-mtls.js';
import type { MeshTls } from './upstream/mesh-tls.js';
import { RouteTableHolder } from './routing/route-table-holder.js';
import { Cluster } from './upstream/cluster.js';
import { clusterPolicy, DEFAULT_TRAFFIC } from './upstream/cluster-policy.js';
import { ClusterRegistry } from './upstream/cluster-registry.js';
import { endpoint } from './upstream/endpoint.js';
import { DEFAULT_FORWARDER_OPTIONS, Forwarder } from './upstream/forwarder.js';
import { PoolRegistry } from './upstream/pool-registry.js';
import { HopTracer } from './telemetry/hop-tracer.js';
import type { AccessLog } from './telemetry/access-log.js';
import type { BusClient } from './bus/bus-client.js';
import { BusRoutes } from './bus/bus-routes.js';
import { ServedServices } from './bus/served-services.js';
import type { Logger } from 'pino';
import { AuditLog } from './authorization/audit-log.js';
import { frontedWorkload } from './authorization/fronted-service.js';
import { InboundAuthorizations } from './authorization/inbound-authorizations.js';
import { OutboundTraffic } from './passthrough/outbound-traffic.js';
import { PassthroughForwarder } from './passthrough/passthrough-forwarder.js';
import type { OwnEndpoints } from './passthrough/passthrough-target.js';

/** Whose app an inbound listener serves. */
export interface InboundWorkload {
  /** `<namespace>/<service>`: the destination its requests count under. */
  readonly service: string;
  /** Its namespace and labels: which AuthorizationPolicies select it. */
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Where its access log records go (`weft.v1.telemetry.access.<namespace>.<service>`). */
  readonly accessLogSubject: string;
}

/** What every listener of the engine holds to. */
/** What an outbound listener knows of the proxy it runs in. */
export interface OutboundListenerOptions {
  /** The proxy's own ports and addresses: passthrough never sends a request to them. */
  own?: OwnEndpoints;
  /** A node proxy's workload's outbound: its certificate, presented to meshed endpoints. */
  callerTls?: MeshTls;
}

export interface ListenerGuard {
  readonly limits: ListenerLimits;
  /** Refuses new connections on every listener while the proxy is overloaded. */
  readonly overload?: OverloadManager;
}

/** The caller's side of the bus transport, for proxies connected to NATS. */
export interface EngineBus {
  readonly client: BusClient;
  readonly subjects: Subjects;
  /** Who this proxy calls as (nats-server lets it publish bus calls only as itself). */
  readonly caller: CallerIdentity;
}
import { TrafficStats } from './metrics/traffic-stats.js';
import { PolicyHolder } from './policy/mesh-policies.js';

/** What an engine is made of. */
export interface DataPlaneEngineOptions {
  /** How config commits are planned (what the proxy serves, its mode). */
  readonly routing: RouteConfiguratorOptions;
  /** The process's tracer, and the spans its sampler never records (made without the SDK). */
  readonly tracing: { readonly tracer: Tracer; readonly sampling?: TraceSampling };
  /** `<namespace>/<service>` of this proxy: the source of its outbound traffic. */
  readonly self: string;
  readonly accessLog?: AccessLog;
  readonly bus?: EngineBus;
  /** Where AUDIT matches are logged (rate bounded); without it they are counted and marked only. */
  readonly log?: Logger;
  /** Mutual TLS to meshed endpoints, with this proxy's own workload certificate (mesh mode). */
  readonly meshTls?: MeshTls;
  readonly guard?: ListenerGuard;
}

export class DataPlaneEngine {
  readonly routes = new RouteTableHolder();
  readonly clusters = new ClusterRegistry();
  readonly pools = new PoolRegistry();
  /** What this proxy's bus responders answer for, as each config commit says. */
  readonly served = new ServedServices();
  /** The policies (PeerAuthentications, …) its workloads' inbound sides enforce. */
  readonly policies = new PolicyHolder();
  /** Each inbound workload's authorizer, compiled from the committed AuthorizationPolicies. */
  readonly authorization = new InboundAuthorizations();
  readonly stats: TrafficStats;
  readonly metrics: ProxyMetrics;
  readonly tracer: HopTracer;
  /** Calls into the mesh: announces this proxy's service to the callee. */
  readonly forwarder: Forwarder;
  /** Calls to the local app: announces nothing. */
  private readonly localForwarder: Forwarder;
  private readonly audits: AuditLog | undefined;
  /** Requests for addresses no Service covers (sidecars and node proxies only). */
  private passthrough: PassthroughForwarder | undefined;
  readonly configurator: RouteConfigurator;
  readonly accessLog: AccessLog | undefined;
  private readonly bus: EngineBus | undefined;
  private readonly guard: ListenerGuard;

  constructor({
    routing,
    tracing,
    self,
    accessLog,
    bus,
    log,
    meshTls,
    guard = { limits: DEFAULT_LISTENER_LIMITS },
  }: DataPlaneEngineOptions) {
    this.accessLog = accessLog;
    this.bus = bus;
    this.guard = guard;
    this.audits = log && new AuditLog(log);
    this.authorization.follow(this.policies);
    this.tracer = new HopTracer(tracing.tracer, tracing.sampling);
    const busRoutes = bus && new BusRoutes(bus.client, bus.subjects, bus.caller);
    this.stats = new TrafficStats(self);
    this.metrics = new ProxyMetrics(
      this.stats,
      this.clusters,
      this.authorization.decisions,
      guard.overload,
    );
    this.forwarder = new Forwarder(
      this.pools,
      this.metrics,
      this.tracer,
      { ...DEFAULT_FORWARDER_OPTIONS, caller: self },
      busRoutes,
    );
    this.localForwarder = new Forwarder(this.pools, this.metrics, this.tracer);
    this.configurator = new RouteConfigurator(
      {
        routes: this.routes,
        clusters: this.clusters,
        pools: this.pools,
        bus: busRoutes,
        served: this.served,
        policies: this.policies,
        meshTls,
      },
      routing,
    );
  }

  /**
   * A listener that routes into the mesh (sidecar outbound, router); `discovery` reads the hosts
   * its table does not know (a proxy's ConfigFollower, when it follows only its destinations).
   * With `own` (a sidecar's or node proxy's own ports and addresses, never a router's: it would
   * reach whatever its network reaches for any caller), a request for an address no Service covers
   * is passed through as MeshConfig's outboundTrafficPolicy says. With `callerTls` (a node proxy's
   * workload's own outbound) calls present that workload's certificate.
   */
  outboundListener(
    name: string,
    discovery?: DestinationDiscovery,
    { own, callerTls }: OutboundListenerOptions = {},
  ): HttpListener {
    const { routes, forwarder, stats } = this;
    const through = own && {
      traffic: new OutboundTraffic().follow(this.policies),
      own,
      forwarder: (this.passthrough ??= new PassthroughForwarder()),
    };
    const handler = outboundPipeline(
      routes,
      forwarder,
      stats,
      MESH_HOSTS,
      undefined,
      discovery,
      through,
    );
    const unrouted = this.stats.unrouted;
    const listener = new HttpListener(name, handler, this.tracer, unrouted, this.accessLog);
    listener.callerTls = callerTls;
    return this.counted(listener);
  }

  /**
   * An edge router's listener on a Gateway port: routes by that port's host table, terminating TLS
   * when given certificates (HTTPS: h2 and http/1.1 by ALPN).
   */
  gatewayListener(port: number, certificates?: SniCertificates): HttpListener {
    const hosts: HostSelector = (table, host) => table.gateway?.port(port)?.lookup(host);
    const scheme = certificates ? 'https' : 'http';
    const handler = outboundPipeline(this.routes, this.forwarder, this.stats, hosts, scheme);
    const unrouted = this.stats.unrouted;
    return this.counted(
      new HttpListener(
        `gateway-${port}`,
        handler,
        this.tracer,
        unrouted,
        this.accessLog,
        certificates,
      ),
    );
  }

  /**
   * A listener that hands every request to one local application, counted and logged as
   * `workload`'s (a node proxy serves many; a sidecar's one is its own service), once the
   * AuthorizationPolicies that select `workload` allow it.
   */
  inboundListener(
    name: string,
    appAddress: string,
    appPort: number,
    workload?: InboundWorkload,
    /** Mesh mode: the workload's mutual TLS (its mode and certificate); none in standalone mode. */
    mtls?: InboundMtls,
  ): HttpListener {
    const app = new Cluster(`local/${name}`);
    const h2cApp = new Cluster(
      `local/${name}`,
      clusterPolicy(DEFAULT_TRAFFIC, { protocol: 'h2c' }),
    );
    app.setEndpoints([endpoint('local-app', appAddress, appPort)]);
    h2cApp.setEndpoints(app.all);
    const service = workload?.service;
    const authz = workload && {
      inbound: this.authorization.add({
        namespace: workload.namespace,
        labels: workload.labels,
        port: appPort,
      }),
      listener: name,
      audits: this.audits,
    };
    const handler = inboundPipeline(app, this.localForwarder, this.stats, h2cApp, service, authz);
    const unknownCaller = this.stats.inbound(undefined, service);
    const accessLog = workload ? this.accessLog?.on(workload.accessLogSubject) : this.accessLog;
    return this.counted(
      new HttpListener(name, handler, this.tracer, unknownCaller, accessLog, undefined, mtls),
    );
  }

  /**
   * A router's bus path to one Service (`namespace/service`): straight to its endpoints over HTTP,
   * as a sidecar's inbound goes to its app (the caller's proxy already routed, and retries and
   * times out; a bus Service's requests never go back onto the bus from here). Never bound to a
   * port: the bus responder hands it requests, and it counts, traces, logs and drains them. Its
   * instances have no proxy of their own, so the router enforces the AuthorizationPolicies that
   * apply to the Service (authorization/fronted-service.ts), on the caller the bus subject names.
   */
  serviceListener(key: string): HttpListener {
    const cluster = this.clusters.get(key);
    const name = `bus:${key}`;
    const authz = {
      inbound: this.authorization.add(frontedWorkload(key, cluster)),
      listener: name,
      audits: this.audits,
    };
    // Counted as requests to the Service (an egress gateway's metrics: caller → external service).
    const handler = inboundPipeline(
      cluster,
      this.localForwarder,
      this.stats,
      undefined,
      key,
      authz,
    );
    const unknownCaller = this.stats.inbound(undefined, key);
    return this.counted(
      new HttpListener(name, handler, this.tracer, unknownCaller, this.accessLog),
    );
  }

  /** Listeners hold to the limits and report their load to the metrics. */
  private counted(listener: HttpListener): HttpListener {
    listener.limit(this.guard.limits, this.guard.overload);
    this.metrics.addListener(listener);
    return listener;
  }

  close(): Promise<void> {
    this.bus?.client.close();
    this.passthrough?.close();
    return this.pools.close();
  }
}
