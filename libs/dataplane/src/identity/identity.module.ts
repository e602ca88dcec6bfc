// Nest wiring of a proxy's workload identities; global, so the config service can report the
// proxy's trust with its ACKs. Needs `NatsClient` and `LOGGER` (the global RuntimeModule).
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { IdentitiesController } from './identities.controller.js';
import {
  IDENTITY_OPTIONS,
  WorkloadIdentities,
  type IdentityOptions,
} from './workload-identities.service.js';

@Global()
@Module({})
export class IdentityModule {
  static forRoot(options: IdentityOptions): DynamicModule {
    return {
      module: IdentityModule,
      controllers: [IdentitiesController],
      providers: [{ provide: IDENTITY_OPTIONS, useValue: options }, WorkloadIdentities],
      exports: [WorkloadIdentities],
    };
  }
}
