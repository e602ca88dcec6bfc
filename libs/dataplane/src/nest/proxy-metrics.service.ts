// Puts the engine's series, and what telemetry had to drop, on the process's `/metrics`.
import { Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import type { ObservableResult } from '@opentelemetry/api';
import { processMetrics } from '@app/runtime';
import { DataPlaneEngine } from '../engine.js';
import { SnapshotPublisher } from './snapshot-publisher.service.js';

@Injectable()
export class ProxyMetricsService implements OnApplicationShutdown {
  private readonly removeProducer: () => void;
  private readonly drops = processMetrics.meter.createObservableCounter('weft.telemetry.dropped', {
    description:
      'Telemetry kept off the bus: access log records (rate cap, no connection) and snapshots (no connection)',
    unit: '{message}',
  });

  constructor(
    private readonly engine: DataPlaneEngine,
    @Optional() private readonly publisher?: SnapshotPublisher,
  ) {
    this.removeProducer = processMetrics.addProducer(engine.metrics);
    this.drops.addCallback(this.observeDrops);
  }

  onApplicationShutdown(): void {
    this.removeProducer();
    this.drops.removeCallback(this.observeDrops);
  }

  private readonly observeDrops = (result: ObservableResult): void => {
    const accessLog = this.engine.accessLog;
    if (accessLog) result.observe(accessLog.dropped, { 'weft.telemetry.kind': 'access_log' });
    if (this.publisher)
      result.observe(this.publisher.dropped, { 'weft.telemetry.kind': 'snapshot' });
  };
}
