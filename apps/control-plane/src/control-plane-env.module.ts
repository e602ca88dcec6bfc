// Provides the validated environment to every feature module (global: each of them reads settings).
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ControlPlaneEnv } from './control-plane-env.dto.js';

@Global()
@Module({})
export class ControlPlaneEnvModule {
  static forRoot(env: ControlPlaneEnv): DynamicModule {
    return {
      module: ControlPlaneEnvModule,
      providers: [{ provide: ControlPlaneEnv, useValue: env }],
      exports: [ControlPlaneEnv],
    };
  }
}
