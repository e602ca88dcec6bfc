// The proxies the control plane hears from: their applied revisions, ACK/NACK and metrics.
import { Module } from '@nestjs/common';
import { ProxyMetricsService } from './proxy-metrics.service.js';
import { ProxyRegistry } from './proxy-registry.service.js';

@Module({
  providers: [ProxyRegistry, ProxyMetricsService],
  exports: [ProxyRegistry],
})
export class ProxiesModule {}
