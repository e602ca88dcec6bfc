// The admin API (`/v1/*`): config writes and reads, history, the live mesh, stats and the stream.
// Every request is authenticated and checked first; writes that reach a follower are then forwarded
// to the leader before any controller sees them.
import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ApplyModule } from '../apply/apply.module.js';
import { AdminAccessMiddleware } from '../auth/admin-access.middleware.js';
import { AuthModule } from '../auth/auth.module.js';
import { ClustersetModule } from '../clusterset/clusterset.module.js';
import { ConfigModule } from '../config/config.module.js';
import { DiscoveryModule } from '../discovery/discovery.module.js';
import { LeaderForwardingMiddleware } from '../leader/leader-forwarding.middleware.js';
import { LeaderModule } from '../leader/leader.module.js';
import { ProxiesModule } from '../proxies/proxies.module.js';
import { StatsModule } from '../stats/stats.module.js';
import { StatusModule } from '../status/status.module.js';
import { StreamModule } from '../stream/stream.module.js';
import { HistoryController } from './history.controller.js';
import { MeshController } from './mesh.controller.js';
import { ResourcesController } from './resources.controller.js';
import { StatsController } from './stats.controller.js';
import { StreamController } from './stream.controller.js';

@Module({
  imports: [
    AuthModule,
    ApplyModule,
    ClustersetModule,
    ConfigModule,
    DiscoveryModule,
    LeaderModule,
    ProxiesModule,
    StatsModule,
    StatusModule,
    StreamModule,
  ],
  controllers: [
    ResourcesController,
    HistoryController,
    MeshController,
    StatsController,
    StreamController,
  ],
})
export class AdminModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // In this order: a follower forwards only what the leader would take from this caller.
    consumer
      .apply(AdminAccessMiddleware)
      .forRoutes('{*path}')
      .apply(LeaderForwardingMiddleware)
      .forRoutes(
        { path: 'v1/apply', method: RequestMethod.POST },
        { path: 'v1/resources/:kind/:namespace/:name', method: RequestMethod.DELETE },
        { path: 'v1/rollback/:revision', method: RequestMethod.POST },
      );
  }
}
