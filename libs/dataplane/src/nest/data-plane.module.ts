// Nest wiring of the engine for a proxy app: the engine itself and how it follows its config (a
// ConfigFollower over NATS, or a folder for standalone proxies).
import { Module, type DynamicModule } from '@nestjs/common';
import {
  serviceKey,
  BUS_CHUNK_BYTES,
  BUS_KEEPALIVE_MS,
  BUS_WINDOW_FRAMES,
  Subjects,
} from '@app/protocol';
import {
  LOGGER,
  NatsClient,
  processMetrics,
  Readiness,
  reportInvalid,
  Tracing,
  type Logger,
} from '@app/runtime';
import { OverloadManager } from '../resilience/overload-manager.js';
import { BusClient } from '../bus/bus-client.js';
import { BusMetrics } from '../bus/bus-metrics.js';
import { AccessLog, type BusPublisher } from '../telemetry/access-log.js';
import { DataPlaneEngine } from '../engine.js';
import { WorkloadIdentities } from '../identity/workload-identities.service.js';
import { MeshTls } from '../upstream/mesh-tls.js';
import type { RouteConfiguratorOptions } from '../config/route-configurator.js';
import { ClustersController } from './clusters.controller.js';
import { FolderConfigService } from './folder-config.service.js';
import { CONFIG_FOLLOWER } from '../config/config-follower.js';
import { configFollowerProvider } from './config-follower.provider.js';
import { ConfigReports } from './config-reports.service.js';
import { ProxyConfigService } from './proxy-config.service.js';
import { PROXY_OPTIONS, type ProxyOptions } from './proxy-options.js';
import { SnapshotPublisher } from './snapshot-publisher.service.js';
import { ProxyMetricsService } from './proxy-metrics.service.js';

const DEFAULT_BUS_SETTINGS = {
  chunkBytes: BUS_CHUNK_BYTES,
  window: BUS_WINDOW_FRAMES,
  keepaliveMs: BUS_KEEPALIVE_MS,
};

@Module({})
export class DataPlaneModule {
  /** Needs `NatsClient`, `Readiness`, `Tracing` and `LOGGER` (the global RuntimeModule). */
  static forRoot(proxy: ProxyOptions, engine: RouteConfiguratorOptions): DynamicModule {
    return {
      module: DataPlaneModule,
      controllers: [ClustersController],
      providers: [
        { provide: PROXY_OPTIONS, useValue: proxy },
        { provide: BusMetrics, useFactory: () => new BusMetrics(processMetrics.meter) },
        {
          provide: OverloadManager,
          useFactory: (readiness: Readiness, log: Logger) => overloadManager(proxy, readiness, log),
          inject: [Readiness, LOGGER],
        },
        {
          provide: DataPlaneEngine,
          useFactory: (
            tracing: Tracing,
            nats: NatsClient,
            log: Logger,
            busMetrics: BusMetrics,
            overload: OverloadManager,
            identities?: WorkloadIdentities,
          ) => {
            const { namespace, service } = proxy.identity;
            const subjects = new Subjects(proxy.subjectPrefix);
            const subject = subjects.accessLog(namespace, service);
            // Only publish while connected; a standalone proxy never dials NATS for this.
            const publish: BusPublisher = (s, payload) => nats.tryPublish(s, payload);
            const accessLog = new AccessLog({ ...proxy.accessLog, subject }, log, publish);
            const self = serviceKey(namespace, service);
            // Standalone proxies have no bus to call over.
            const bus = proxy.configDir
              ? undefined
              : {
                  client: new BusClient(
                    () => nats.current,
                    proxy.bus ?? DEFAULT_BUS_SETTINGS,
                    busMetrics,
                    (where, reason) => reportInvalid(log, 'bus', where, reason),
                  ),
                  subjects,
                  caller: { namespace, serviceAccount: proxy.serviceAccount },
                };
            // Calls into the mesh present the proxy's own identity (a node proxy's, not a workload's).
            const caller = identities?.of(namespace, proxy.serviceAccount);
            const meshTls = caller && new MeshTls(caller);
            const guard = { limits: proxy.limits, overload };
            return new DataPlaneEngine({
              routing: engine,
              tracing,
              self,
              accessLog,
              bus,
              log,
              meshTls,
              guard,
            });
          },
          inject: [
            Tracing,
            NatsClient,
            LOGGER,
            BusMetrics,
            OverloadManager,
            { token: WorkloadIdentities, optional: true },
          ],
        },
        ...(proxy.configDir
          ? [FolderConfigService]
          : [ConfigReports, configFollowerProvider(proxy), ProxyConfigService]),
        ProxyMetricsService,
        // Standalone proxies have no bus to publish on.
        ...(proxy.telemetry.publish && !proxy.configDir ? [SnapshotPublisher] : []),
      ],
      // The follower: a sidecar's outbound listener asks it about hosts its table does not know.
      exports: [DataPlaneEngine, BusMetrics, ...(proxy.configDir ? [] : [CONFIG_FOLLOWER])],
    };
  }
}

/**
 * The proxy's overload manager, sampling memory and event-loop lag from now on: `/readyz` says
 * `capacity: false` while it refuses connections or sheds requests (a sidecar's heartbeats then say it is not ready).
 */
function overloadManager(proxy: ProxyOptions, readiness: Readiness, log: Logger): OverloadManager {
  readiness.set('capacity', true);
  const manager = new OverloadManager(proxy.overload, (overloaded, why) => {
    readiness.set('capacity', !overloaded);
    if (overloaded) log.warn({ why }, 'overloaded: refusing new connections or shedding requests');
    else log.info({ why }, 'no longer overloaded');
  });
  manager.start();
  return manager;
}
