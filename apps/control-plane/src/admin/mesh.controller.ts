// Admin API for the live mesh: endpoint sets, registered workloads, proxy convergence, version and
// leadership.
import { Controller, Get } from '@nestjs/common';
import { EndpointPublisher } from '../discovery/endpoint-publisher.service.js';
import {
  PROTOCOL_VERSION,
  type ClustersetInfo,
  type EndpointSet,
  type LeaderInfo,
  type ProxyStatus,
  type VersionInfo,
  type WorkloadList,
} from '@app/protocol';
import { WorkloadRegistrations } from '../discovery/workload-registrations.service.js';
import { ProxyRegistry } from '../proxies/proxy-registry.service.js';
import { ConfigStore } from '../config/config-store.service.js';
import { LeaderElection } from '../leader/leader-election.service.js';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { ServiceImporter } from '../clusterset/service-importer.service.js';

@Controller('v1')
export class MeshController {
  constructor(
    private readonly endpoints: EndpointPublisher,
    private readonly proxies: ProxyRegistry,
    private readonly store: ConfigStore,
    private readonly election: LeaderElection,
    private readonly env: ControlPlaneEnv,
    private readonly importer: ServiceImporter,
    private readonly registrations: WorkloadRegistrations,
  ) {}

  /** This cluster's name and the Services other clusters export to it (docs/multi-cluster.md). */
  @Get('clusterset')
  clusterset(): ClustersetInfo {
    return { cluster: this.env.WEFT_CLUSTER ?? null, imports: this.importer.list() };
  }

  /** This replica's role and the leader it knows of (any replica answers). */
  @Get('leader')
  leader(): LeaderInfo {
    return this.election.info();
  }

  /** Workloads outside any cluster, each with the WorkloadGroup that registers it. */
  @Get('workloads')
  workloads(): WorkloadList {
    return { items: this.registrations.list() };
  }

  @Get('endpoints')
  endpointSets(): { items: EndpointSet[] } {
    return { items: this.endpoints.endpointSets() };
  }

  /** Protocol version this control plane speaks, its current config revision and its NATS. */
  @Get('version')
  version(): VersionInfo {
    return {
      protocol: PROTOCOL_VERSION,
      revision: this.store.currentRevision,
      nats: this.env.natsServersShown,
    };
  }

  @Get('proxies')
  proxyStatus(): { revision: number; items: ProxyStatus[] } {
    return { revision: this.store.currentRevision, items: this.proxies.list() };
  }
}
