// Global module every app imports: logger, NATS connection, readiness and the admin endpoints.
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AdminController } from './admin.controller.js';
import type { CommonEnv } from './env.js';
import { LOGGER, type Logger } from './logger.js';
import { NatsClient } from './nats-client.js';
import { Readiness } from './readiness.js';

export interface RuntimeOptions {
  readonly env: CommonEnv;
  readonly log: Logger;
  /** Connection name, as `nats server report connections` shows it. */
  readonly natsName: string;
}

@Global()
@Module({})
export class RuntimeModule {
  static forRoot({ env, log, natsName }: RuntimeOptions): DynamicModule {
    return {
      module: RuntimeModule,
      controllers: [AdminController],
      providers: [
        { provide: LOGGER, useValue: log },
        { provide: NatsClient, useFactory: () => new NatsClient(env, natsName, log) },
        Readiness,
      ],
      exports: [LOGGER, NatsClient, Readiness],
    };
  }
}
