// Global module every app imports: logger, NATS connection, readiness and the admin endpoints.
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AdminController } from './admin.controller.js';
import type { CommonEnv } from './env.js';
import { LOGGER, type Logger } from './logger.js';
import { NatsClient } from './nats-client.js';
import { answerMicroDiscovery } from './nats-micro.js';
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
}

@Global()
@Module({})
export class RuntimeModule {
  static forRoot(options: RuntimeOptions): DynamicModule {
    const { env, log, component, instanceId, traceService } = options;
    // The connection name `nats server report connections` shows.
    const natsName = `weft-${component}-${instanceId}`;
    processMetrics.identify(traceService, instanceId);
    return {
      module: RuntimeModule,
      controllers: [AdminController],
      providers: [
        { provide: LOGGER, useValue: log },
        {
          provide: NatsClient,
          useFactory: () => {
            const nats = new NatsClient(env, natsName, log);
            // Listed by `nats micro ls` once connected; never a reason to connect by itself.
            nats.once('connect', (nc) =>
              answerMicroDiscovery(nc, {
                name: `weft-${component}`,
                id: instanceId,
                version: WEFT_VERSION,
                description: `Weft ${component}`,
                metadata: { component, service: traceService },
              }),
            );
            return nats;
          },
        },
        { provide: Tracing, useFactory: () => new Tracing(traceService, instanceId) },
        Readiness,
      ],
      exports: [LOGGER, NatsClient, Readiness, Tracing],
    };
  }
}
