// Nest wiring of the engine for a proxy app: the engine itself and its config subscription.
import { Module, type DynamicModule } from '@nestjs/common';
import { DataPlaneEngine } from '../engine.js';
import type { RouteConfiguratorOptions } from '../config/route-configurator.js';
import { PROXY_OPTIONS, ProxyConfigService, type ProxyOptions } from './proxy-config.service.js';

@Module({})
export class DataPlaneModule {
  /** Needs `NatsClient`, `Readiness` and `LOGGER` from the importing app. */
  static forRoot(proxy: ProxyOptions, engine: RouteConfiguratorOptions): DynamicModule {
    return {
      module: DataPlaneModule,
      providers: [
        { provide: PROXY_OPTIONS, useValue: proxy },
        { provide: DataPlaneEngine, useFactory: () => new DataPlaneEngine(engine) },
        ProxyConfigService,
      ],
      exports: [DataPlaneEngine, ProxyConfigService],
    };
  }
}
