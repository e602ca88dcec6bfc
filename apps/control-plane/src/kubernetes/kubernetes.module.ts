// The cluster as a config source: the leader follows its Services, Gateway API routes and weft.dev resources through the Kubernetes API (WEFT_KUBERNETES) and writes their status back.
import { Module } from '@nestjs/common';
import { ApplyModule } from '../apply/apply.module.js';
import { ConfigModule } from '../config/config.module.js';
import { DiscoveryModule } from '../discovery/discovery.module.js';
import { StatusModule } from '../status/status.module.js';
import { KubernetesSync } from './kubernetes-sync.service.js';

@Module({
  imports: [ApplyModule, ConfigModule, DiscoveryModule, StatusModule],
  providers: [KubernetesSync],
  exports: [KubernetesSync],
})
export class KubernetesModule {}
