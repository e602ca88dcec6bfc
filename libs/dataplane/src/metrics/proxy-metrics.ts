// Prometheus metrics of the request path, registered once per process on the shared registry.
import { Counter, Gauge, Histogram, register, type Registry } from 'prom-client';

export class ProxyMetrics {
  readonly requests: Counter<'listener' | 'code'>;
  readonly duration: Histogram<'listener'>;
  readonly inflight: Gauge<'listener'>;
  readonly upstreamRetries: Counter<'reason'>;
  readonly upstreamOverflows: Counter<'reason'>;

  constructor(registry: Registry = register) {
    this.requests = new Counter({
      name: 'weft_proxy_requests_total',
      help: 'Requests answered by a proxy listener, by status code',
      labelNames: ['listener', 'code'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'weft_proxy_request_duration_seconds',
      help: 'Time from request start to response end at a proxy listener',
      labelNames: ['listener'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.inflight = new Gauge({
      name: 'weft_proxy_inflight_requests',
      help: 'Requests in progress at a proxy listener',
      labelNames: ['listener'],
      registers: [registry],
    });
    this.upstreamRetries = new Counter({
      name: 'weft_proxy_upstream_retries_total',
      help: 'Requests re-sent to another endpoint after a connection failure',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.upstreamOverflows = new Counter({
      name: 'weft_proxy_upstream_overflow_total',
      help: 'Requests refused or not retried because a circuit breaker or the retry budget was full',
      labelNames: ['reason'],
      registers: [registry],
    });
  }
}

/**
 * One listener's series, bound once: the request path then counts without building label objects
 * or hashing label values per request.
 */
export class ListenerMetrics {
  private readonly inflight: { inc(): void; dec(): void };
  private readonly duration: { observe(seconds: number): void };
  private readonly byCode = new Map<number, { inc(): void }>();

  constructor(
    private readonly metrics: ProxyMetrics,
    private readonly listener: string,
  ) {
    this.inflight = metrics.inflight.labels(listener);
    this.duration = metrics.duration.labels(listener);
  }

  started(): void {
    this.inflight.inc();
  }

  finished(status: number, seconds: number): void {
    this.inflight.dec();
    this.duration.observe(seconds);
    let counter = this.byCode.get(status);
    if (!counter) {
      counter = this.metrics.requests.labels(this.listener, String(status));
      this.byCode.set(status, counter);
    }
    counter.inc();
  }
}
