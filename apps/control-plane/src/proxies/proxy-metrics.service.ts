// `weft_proxies`: how many proxies the control plane knows, by ACK state, counted at scrape time.
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { ObservableResult } from '@opentelemetry/api';
import { processMetrics } from '@app/runtime';
import { ProxyRegistry } from './proxy-registry.service.js';

const ACK_STATES = ['ACK', 'NACK', 'none'] as const;

@Injectable()
export class ProxyMetricsService implements OnApplicationShutdown {
  private readonly gauge = processMetrics.meter.createObservableGauge('weft.proxies', {
    description: 'Proxies known to the control plane, by the state of their last report',
    unit: '{proxy}',
  });

  constructor(private readonly registry: ProxyRegistry) {
    this.gauge.addCallback(this.observe);
  }

  onApplicationShutdown(): void {
    this.gauge.removeCallback(this.observe);
  }

  private readonly observe = (result: ObservableResult): void => {
    const counts = new Map<string, number>();
    for (const p of this.registry.list()) {
      const key = `${p.status ?? 'none'}|${p.stale}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    // Every combination, zeros included, so a state that empties shows 0 rather than vanishing.
    for (const status of ACK_STATES) {
      for (const stale of [false, true]) {
        const n = counts.get(`${status}|${stale}`) ?? 0;
        result.observe(n, { 'weft.ack.status': status, 'weft.proxy.stale': stale });
      }
    }
  };
}
