// Global module every app imports: logger, NATS connection, readiness and the admin endpoints.
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AdminController } from './admin.controller.js';
import type { CommonEnv } from './env.js';
import { LOGGER, type Logger } from './logger.js';
import { NatsClient } from './nats-client.js';
import { NatsService } from './nats-service.js';
import { WEFT_VERSION } from './version.js';
import { Readiness } from './readiness.js';
import { Tracing } from './tracing.js';
import { processMetrics } from './process-metrics.js';

export interface RuntimeOptions {
  readonly env: CommonEnv;
  readonly log: Logger;
  readonly component: 'control-plane' | 'sidecar' | 'router';
  readonly instanceId: string;
  /** `service.name` of this component's spans. */
  readonly traceService: string;
  /** What NATS services discovery (`$SRV.INFO`) tells about this process, beside its instance id. */
  readonly discovery: Readonly<Record<string, string>>;
}

@Global()
@Module({})
export class RuntimeModule {
  static forRoot(options: RuntimeOptions): DynamicModule {
    const { env, log, component, instanceId, traceService, discovery } = options;
    // The connection name `nats server report connections` shows.
    const natsName = `weft-${component}-${instanceId}`;
    processMetrics.identify(traceService, instanceId);
    return {
      module: RuntimeModule,
      controllers: [AdminController],
      providers: [
        { provide: LOGGER, useValue: log },
        {
          provide: NatsService,
          useFactory: () =>
            new NatsService(
              {
                name: `weft-${component}`,
                version: WEFT_VERSION,
                description: `Weft ${component}`,
                metadata: { instance: instanceId, ...discovery },
              },
              (err) => log.error({ err: err.message }, 'NATS services registration failed'),
            ),
        },
        {
          provide: NatsClient,
          useFactory: (service: NatsService) => {
            const nats = new NatsClient(env, natsName, log);
            // Listed by `nats micro ls` once connected; never a reason to connect by itself.
            nats.once('connect', (nc) => void service.start(nc));
            return nats;
          },
          inject: [NatsService],
        },
        { provide: Tracing, useFactory: () => new Tracing(traceService, instanceId) },
        Readiness,
      ],
      exports: [LOGGER, NatsClient, NatsService, Readiness, Tracing],
    };
  }
}
