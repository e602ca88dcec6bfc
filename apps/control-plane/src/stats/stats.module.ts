// Golden signals: proxies' metric snapshots folded into a window per Service, edge and route.
import { Module } from '@nestjs/common';
import { DiscoveryModule } from '../discovery/discovery.module.js';
import { MeshStatsService } from './mesh-stats.service.js';
import { MetricsSnapshotsController } from './metrics-snapshots.controller.js';

@Module({
  imports: [DiscoveryModule],
  controllers: [MetricsSnapshotsController],
  providers: [MeshStatsService],
  exports: [MeshStatsService],
})
export class StatsModule {}
