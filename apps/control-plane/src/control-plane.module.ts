// Wires the control plane: the runtime, its environment and one module per feature, imported here.
import { hostname } from 'node:os';
import { Module, ValidationPipe, type DynamicModule } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { RuntimeModule, type Logger } from '@app/runtime';
import { AdminModule } from './admin/admin.module.js';
import { ApplyModule } from './apply/apply.module.js';
import { CaModule } from './ca/ca.module.js';
import { ClustersetModule } from './clusterset/clusterset.module.js';
import { ConfigModule } from './config/config.module.js';
import { ControlPlaneBootstrap } from './control-plane-bootstrap.service.js';
import { ControlPlaneEnv } from './control-plane-env.dto.js';
import { ControlPlaneEnvModule } from './control-plane-env.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { DiscoveryModule } from './discovery/discovery.module.js';
import { InjectionModule } from './injection/injection.module.js';
import { KubernetesModule } from './kubernetes/kubernetes.module.js';
import { LeaderModule } from './leader/leader.module.js';
import { ProxiesModule } from './proxies/proxies.module.js';
import { StatsModule } from './stats/stats.module.js';
import { StatusModule } from './status/status.module.js';
import { StreamModule } from './stream/stream.module.js';

@Module({})
export class ControlPlaneModule {
  static forRoot(env: ControlPlaneEnv, log: Logger): DynamicModule {
    return {
      module: ControlPlaneModule,
      imports: [
        RuntimeModule.forRoot({
          env,
          log,
          component: 'control-plane',
          instanceId: `${hostname()}-${process.pid}`,
          traceService: 'weft-control-plane',
          discovery: { mode: 'control-plane', admin_url: env.adminUrl },
        }),
        ControlPlaneEnvModule.forRoot(env),
        LeaderModule,
        ConfigModule,
        ProxiesModule,
        DiscoveryModule,
        ClustersetModule,
        StatusModule,
        ApplyModule,
        StatsModule,
        StreamModule,
        AdminModule,
        DashboardModule,
        CaModule,
        InjectionModule,
        KubernetesModule,
      ],
      providers: [
        { provide: APP_PIPE, useValue: new ValidationPipe({ whitelist: true, transform: true }) },
        // Brings the features up in order once NATS answers (buckets, config, endpoints, election).
        ControlPlaneBootstrap,
      ],
    };
  }
}
