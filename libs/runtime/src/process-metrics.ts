// The process's OpenTelemetry metrics: one MeterProvider, read by the Prometheus exporter at `/metrics`.
import type { Attributes, Meter } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { emptyResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import {
  MeterProvider,
  type CollectionResult,
  type MetricProducer,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import { environmentResourceAttributes } from './resource-attributes.js';
import { recordRuntimeMetrics } from './runtime-metrics.js';

/** Content type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Rare events (applies, NACKs, invalid messages) and state go through the SDK's instruments;
 * per-request series come from `MetricProducer`s that read counters the request path keeps
 * itself, at scrape time (the SDK hashes attributes on every `add`, too costly per request).
 */
export class ProcessMetrics {
  readonly meter: Meter;
  private readonly exporter: PrometheusExporter;
  private readonly serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  private readonly producers = new Set<MetricProducer>();
  private resource: Resource = emptyResource();
  private runtimeRecorded = false;

  constructor() {
    const extra: MetricProducer = { collect: () => this.collectProducers() };
    this.exporter = new PrometheusExporter({
      preventServerStart: true,
      withoutScopeInfo: true,
      metricProducers: [extra],
    });
    const provider = new MeterProvider({ readers: [this.exporter] });
    this.meter = provider.getMeter('weft');
  }

  /**
   * `target_info` of this process: who is being scraped, with the environment's resource
   * attributes (`k8s.pod.name`…); and, once per process, the Node runtime series.
   */
  identify(serviceName: string, instanceId: string): void {
    if (!this.runtimeRecorded) recordRuntimeMetrics(this.meter);
    this.runtimeRecorded = true;
    this.resource = resourceFromAttributes({
      ...environmentResourceAttributes(),
      'service.name': serviceName,
      'service.instance.id': instanceId,
    });
  }

  /** Adds series read at every scrape; returns how to remove them again. */
  addProducer(producer: MetricProducer): () => void {
    this.producers.add(producer);
    return () => this.producers.delete(producer);
  }

  /** The Prometheus text exposition of every metric of this process. */
  async render(): Promise<string> {
    const { resourceMetrics } = await this.exporter.collect();
    return this.serializer.serialize({ ...resourceMetrics, resource: this.resource });
  }

  private async collectProducers(): Promise<CollectionResult> {
    const results = await Promise.all([...this.producers].map((p) => p.collect()));
    const scopeMetrics: ScopeMetrics[] = results.flatMap((r) => r.resourceMetrics.scopeMetrics);
    return {
      resourceMetrics: { resource: this.resource, scopeMetrics },
      errors: results.flatMap((r) => r.errors),
    };
  }
}

/** One per process, like the process's NATS connection: every module counts into it. */
export const processMetrics = new ProcessMetrics();

/** A counter for rare events, with prom-client's call shape (`inc(attributes)`). */
export function eventCounter(
  name: string,
  description: string,
  unit = '{event}',
): { inc(attributes?: Attributes, by?: number): void } {
  const counter = processMetrics.meter.createCounter(name, { description, unit });
  return { inc: (attributes, by = 1) => counter.add(by, attributes) };
}

/** A gauge set as state changes (`set(value)`). */
export function stateGauge(
  name: string,
  description: string,
  unit = '1',
): { set(value: number, attributes?: Attributes): void } {
  const gauge = processMetrics.meter.createGauge(name, { description, unit });
  return { set: (value, attributes) => gauge.record(value, attributes) };
}
