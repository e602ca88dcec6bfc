// The live mesh as one stream (stats, proxies, events) for the dashboard and `GET /v1/stream`.
import { Module } from '@nestjs/common';
import { ConfigModule } from '../config/config.module.js';
import { ProxiesModule } from '../proxies/proxies.module.js';
import { StatsModule } from '../stats/stats.module.js';
import { ControlPlaneEventsController } from './control-plane-events.controller.js';
import { MeshStream } from './mesh-stream.service.js';

@Module({
  imports: [ConfigModule, ProxiesModule, StatsModule],
  controllers: [ControlPlaneEventsController],
  providers: [MeshStream],
  exports: [MeshStream],
})
export class StreamModule {}
