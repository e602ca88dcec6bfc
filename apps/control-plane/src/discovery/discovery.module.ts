// Discovery: instances from heartbeats and disconnect advisories, endpoint sets written to the bucket.
import { Module } from '@nestjs/common';
import { ConfigModule } from '../config/config.module.js';
import { LeaderModule } from '../leader/leader.module.js';
import { ProxiesModule } from '../proxies/proxies.module.js';
import { ClientDisconnectWatcher } from './client-disconnect-watcher.service.js';
import { EndpointPublisher } from './endpoint-publisher.service.js';
import { InstanceRegistry } from './instance-registry.service.js';
import { MeshEventsController } from './mesh-events.controller.js';
import { WorkloadRegistrations } from './workload-registrations.service.js';

@Module({
  imports: [ConfigModule, LeaderModule, ProxiesModule],
  controllers: [MeshEventsController],
  providers: [InstanceRegistry, ClientDisconnectWatcher, EndpointPublisher, WorkloadRegistrations],
  exports: [InstanceRegistry, EndpointPublisher, WorkloadRegistrations],
})
export class DiscoveryModule {}
