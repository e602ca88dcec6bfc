// Nest wiring of the engine for a proxy app: the engine itself and its config subscription.
import { Module, type DynamicModule } from '@nestjs/common';
import { Subjects } from '@app/protocol';
import { LOGGER, NatsClient, Tracing, type Logger } from '@app/runtime';
import { AccessLog, type BusPublisher } from '../telemetry/access-log.js';
import { DataPlaneEngine } from '../engine.js';
import type { RouteConfiguratorOptions } from '../config/route-configurator.js';
import { FolderConfigService } from './folder-config.service.js';
import { PROXY_OPTIONS, ProxyConfigService, type ProxyOptions } from './proxy-config.service.js';

@Module({})
export class DataPlaneModule {
  /** Needs `NatsClient`, `Readiness`, `Tracing` and `LOGGER` (the global RuntimeModule). */
  static forRoot(proxy: ProxyOptions, engine: RouteConfiguratorOptions): DynamicModule {
    return {
      module: DataPlaneModule,
      providers: [
        { provide: PROXY_OPTIONS, useValue: proxy },
        {
          provide: DataPlaneEngine,
          useFactory: (tracing: Tracing, nats: NatsClient, log: Logger) => {
            const { namespace, service } = proxy.identity;
            const subject = new Subjects(proxy.subjectPrefix).accessLog(namespace, service);
            // Only publish while connected; a standalone proxy never dials NATS for this.
            const publish: BusPublisher = (s, payload) => nats.current?.publish(s, payload);
            const accessLog = new AccessLog({ ...proxy.accessLog, subject }, log, publish);
            return new DataPlaneEngine(engine, tracing.tracer, accessLog);
          },
          inject: [Tracing, NatsClient, LOGGER],
        },
        proxy.configDir ? FolderConfigService : ProxyConfigService,
      ],
      exports: [DataPlaneEngine],
    };
  }
}
