// Wires the control plane: config store and apply path, discovery, route and proxy status, admin API.
import { hostname } from 'node:os';
import {
  Module,
  RequestMethod,
  ValidationPipe,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { RuntimeModule, type Logger } from '@app/runtime';
import { HistoryController } from './admin/history.controller.js';
import { MeshController } from './admin/mesh.controller.js';
import { ResourcesController } from './admin/resources.controller.js';
import { ApplyService } from './config/apply.service.js';
import { ConfigDirService } from './config/config-dir.service.js';
import { ConfigAnnouncer } from './config/config-announcer.service.js';
import { ConfigStore } from './config/config-store.service.js';
import { HistoryStore } from './config/history-store.service.js';
import { LeaderElection } from './leader/leader-election.service.js';
import { LeaderForwardingMiddleware } from './leader/leader-forwarding.middleware.js';
import { ControlPlaneBootstrap } from './control-plane-bootstrap.service.js';
import { DashboardController } from './dashboard/dashboard.controller.js';
import { StatsController } from './admin/stats.controller.js';
import { StreamController } from './admin/stream.controller.js';
import { MeshStatsService } from './stats/mesh-stats.service.js';
import { MetricsSnapshotsController } from './stats/metrics-snapshots.controller.js';
import { ControlPlaneEventsController } from './stream/control-plane-events.controller.js';
import { MeshStream } from './stream/mesh-stream.service.js';
import { ControlPlaneEnv } from './control-plane-env.dto.js';
import { ClientDisconnectWatcher } from './discovery/client-disconnect-watcher.service.js';
import { EndpointPublisher } from './discovery/endpoint-publisher.service.js';
import { InstanceRegistry } from './discovery/instance-registry.service.js';
import { MeshEventsController } from './discovery/mesh-events.controller.js';
import { ProxyRegistry } from './proxies/proxy-registry.service.js';
import { ProxyMetricsService } from './proxies/proxy-metrics.service.js';
import { RouteStatusService } from './status/route-status.service.js';
import { HealthEventsService } from './status/health-events.service.js';
import { CaModule } from './ca/ca.module.js';

@Module({})
export class ControlPlaneModule implements NestModule {
  /** Writes that reach a follower are forwarded to the leader. */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(LeaderForwardingMiddleware)
      .forRoutes(
        { path: 'v1/apply', method: RequestMethod.POST },
        { path: 'v1/resources/:kind/:namespace/:name', method: RequestMethod.DELETE },
        { path: 'v1/rollback/:revision', method: RequestMethod.POST },
      );
  }

  static forRoot(env: ControlPlaneEnv, log: Logger): DynamicModule {
    return {
      module: ControlPlaneModule,
      // Global so that feature modules (CaModule) inject the env, election and registry it exports.
      global: true,
      imports: [
        RuntimeModule.forRoot({
          env,
          log,
          component: 'control-plane',
          instanceId: `${hostname()}-${process.pid}`,
          traceService: 'weft-control-plane',
          discovery: { mode: 'control-plane', admin_url: env.adminUrl },
        }),
        CaModule,
      ],
      exports: [ControlPlaneEnv, LeaderElection, ProxyRegistry],
      controllers: [
        ResourcesController,
        HistoryController,
        MeshController,
        MeshEventsController,
        StatsController,
        StreamController,
        DashboardController,
        MetricsSnapshotsController,
        ControlPlaneEventsController,
      ],
      providers: [
        { provide: ControlPlaneEnv, useValue: env },
        { provide: APP_PIPE, useValue: new ValidationPipe({ whitelist: true, transform: true }) },
        ConfigStore,
        ConfigAnnouncer,
        HistoryStore,
        LeaderElection,
        ApplyService,
        ConfigDirService,
        InstanceRegistry,
        ClientDisconnectWatcher,
        EndpointPublisher,
        RouteStatusService,
        ProxyRegistry,
        HealthEventsService,
        MeshStatsService,
        MeshStream,
        ProxyMetricsService,
        ControlPlaneBootstrap,
      ],
    };
  }
}
