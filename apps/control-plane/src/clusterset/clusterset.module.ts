// Many clusters as one mesh: this cluster's ServiceExports announced to the clusters linked to it,
// and the Services they export imported here (docs/multi-cluster.md).
import { Module } from '@nestjs/common';
import { ConfigModule } from '../config/config.module.js';
import { DiscoveryModule } from '../discovery/discovery.module.js';
import { LeaderModule } from '../leader/leader.module.js';
import { ClustersetController } from './clusterset.controller.js';
import { ServiceExporter } from './service-exporter.service.js';
import { ServiceImporter } from './service-importer.service.js';

@Module({
  imports: [ConfigModule, DiscoveryModule, LeaderModule],
  controllers: [ClustersetController],
  providers: [ServiceExporter, ServiceImporter],
  exports: [ServiceImporter],
})
export class ClustersetModule {}
