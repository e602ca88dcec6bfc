// Status: Gateway API conditions of routes and policies, and health events, derived in memory.
import { Module } from '@nestjs/common';
import { ConfigModule } from '../config/config.module.js';
import { DiscoveryModule } from '../discovery/discovery.module.js';
import { LeaderModule } from '../leader/leader.module.js';
import { ProxiesModule } from '../proxies/proxies.module.js';
import { HealthEventsService } from './health-events.service.js';
import { RouteStatusService } from './route-status.service.js';

@Module({
  imports: [ConfigModule, DiscoveryModule, LeaderModule, ProxiesModule],
  providers: [RouteStatusService, HealthEventsService],
  exports: [RouteStatusService],
})
export class StatusModule {}
