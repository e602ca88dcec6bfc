// The cluster's Services as a config source: the leader follows them through the Kubernetes API (WEFT_KUBERNETES).
import { Module } from '@nestjs/common';
import { ApplyModule } from '../apply/apply.module.js';
import { KubernetesSync } from './kubernetes-sync.service.js';

@Module({ imports: [ApplyModule], providers: [KubernetesSync], exports: [KubernetesSync] })
export class KubernetesModule {}
