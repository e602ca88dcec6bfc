// Nest wiring of the engine for a proxy app: the engine itself and its config subscription.
import { Module, type DynamicModule } from '@nestjs/common';
import { Subjects } from '@app/protocol';
import { LOGGER, NatsClient, Tracing, type Logger } from '@app/runtime';
import { AccessLog, type BusPublisher } from '../telemetry/access-log.js';
import { DataPlaneEngine } from '../engine.js';
import type { RouteConfiguratorOptions } from '../config/route-configurator.js';
import { ClustersController } from './clusters.controller.js';
import { FolderConfigService } from './folder-config.service.js';
import { PROXY_OPTIONS, ProxyConfigService, type ProxyOptions } from './proxy-config.service.js';
import { SnapshotPublisher } from './snapshot-publisher.service.js';
import { ProxyMetricsService } from './proxy-metrics.service.js';

@Module({})
export class DataPlaneModule {
  /** Needs `NatsClient`, `Readiness`, `Tracing` and `LOGGER` (the global RuntimeModule). */
  static forRoot(proxy: ProxyOptions, engine: RouteConfiguratorOptions): DynamicModule {
    return {
      module: DataPlaneModule,
      controllers: [ClustersController],
      providers: [
        { provide: PROXY_OPTIONS, useValue: proxy },
        {
          provide: DataPlaneEngine,
          useFactory: (tracing: Tracing, nats: NatsClient, log: Logger) => {
            const { namespace, service } = proxy.identity;
            const subject = new Subjects(proxy.subjectPrefix).accessLog(namespace, service);
            // Only publish while connected; a standalone proxy never dials NATS for this.
            const publish: BusPublisher = (s, payload) => nats.tryPublish(s, payload);
            const accessLog = new AccessLog({ ...proxy.accessLog, subject }, log, publish);
            const self = `${namespace}/${service}`;
            return new DataPlaneEngine(engine, tracing.tracer, self, accessLog);
          },
          inject: [Tracing, NatsClient, LOGGER],
        },
        proxy.configDir ? FolderConfigService : ProxyConfigService,
        ProxyMetricsService,
        // Standalone proxies have no bus to publish on.
        ...(proxy.telemetry.publish && !proxy.configDir ? [SnapshotPublisher] : []),
      ],
      exports: [DataPlaneEngine],
    };
  }
}
