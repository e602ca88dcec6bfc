// Announces the Services this cluster exports (a ServiceExport names each) to the clusters linked to
// it: the leader, every WEFT_CLUSTERSET_INTERVAL_MS and at each config change, with the Service's
// ready endpoints here; a removed export is withdrawn once. Nothing without WEFT_CLUSTER.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  encode,
  endpointsKey,
  PROTOCOL_VERSION,
  resourceKey,
  type ServiceExport,
  type ServiceExportAnnouncement,
} from '@app/protocol';
import { LOGGER, NatsClient, type Logger } from '@app/runtime';
import { ConfigStore } from '../config/config-store.service.js';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { EndpointPublisher } from '../discovery/endpoint-publisher.service.js';
import { LeaderElection } from '../leader/leader-election.service.js';
import { bootSubjects } from '../nats/boot-subjects.js';

@Injectable()
export class ServiceExporter implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  /** Exports announced last time (resource keys), so a removed one is withdrawn once. */
  private announced = new Map<string, ServiceExport>();

  constructor(
    private readonly env: ControlPlaneEnv,
    private readonly nats: NatsClient,
    private readonly store: ConfigStore,
    private readonly endpoints: EndpointPublisher,
    private readonly election: LeaderElection,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.env.WEFT_CLUSTER === undefined) return;
    this.timer = setInterval(() => this.announce(), this.env.WEFT_CLUSTERSET_INTERVAL_MS);
    this.store.on('changed', () => this.announce());
    this.endpoints.on('changed', () => this.announce());
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Every export now (and withdrawals of those gone), when this replica leads. */
  private announce(): void {
    const nc = this.nats.current;
    const cluster = this.env.WEFT_CLUSTER;
    if (!nc || cluster === undefined || !this.election.isLeader || !this.endpoints.attached) return;
    const sets = new Map(
      this.endpoints.endpointSets().map((s) => [endpointsKey(s.namespace, s.service), s]),
    );
    const now = new Map<string, ServiceExport>();
    for (const r of this.store.resources('ServiceExport') as ServiceExport[]) {
      const { namespace, name } = r.metadata;
      now.set(resourceKey(r.kind, namespace, name), r);
    }
    for (const [key, r] of this.announced) if (!now.has(key)) this.publish(cluster, r, false, []);
    for (const r of now.values()) {
      const { namespace, name } = r.metadata;
      const endpoints = sets.get(endpointsKey(namespace, name))?.endpoints ?? [];
      // Only this cluster's own: another cluster's instances merged here are that cluster's to export.
      const own = endpoints.filter((e) => e.sni === undefined);
      this.publish(
        cluster,
        r,
        true,
        own.map((e) => ({ ...e, cluster })),
      );
    }
    if (now.size !== this.announced.size)
      this.log.info({ cluster, exports: now.size }, 'clusterset exports announced');
    this.announced = now;
  }

  private publish(
    cluster: string,
    r: ServiceExport,
    exported: boolean,
    endpoints: ServiceExportAnnouncement['endpoints'],
  ): void {
    const { namespace, name: service } = r.metadata;
    const announcement: ServiceExportAnnouncement = {
      v: PROTOCOL_VERSION,
      cluster,
      namespace,
      service,
      exported,
      endpoints,
      ...(this.env.eastWestGateway && { gateway: this.env.eastWestGateway }),
      sentAt: Date.now(),
    };
    this.nats.current?.publish(
      bootSubjects().clustersetExport(cluster, namespace, service),
      encode(announcement),
    );
  }
}
