// Nest wiring of the engine for a proxy app: the engine itself and its config subscription.
import { Module, type DynamicModule } from '@nestjs/common';
import { Tracing } from '@app/runtime';
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
          useFactory: (tracing: Tracing) => new DataPlaneEngine(engine, tracing.tracer),
          inject: [Tracing],
        },
        proxy.configDir ? FolderConfigService : ProxyConfigService,
      ],
      exports: [DataPlaneEngine],
    };
  }
}
