// OpenTelemetry tracing for every component: OTLP/HTTP export configured by the standard OTEL_* variables.
import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { environmentResourceAttributes } from './resource-attributes.js';
import { processSampling, type TraceSampling } from './trace-sampling.js';

/**
 * The process's tracer. Spans are exported only when an OTLP endpoint is configured
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `..._TRACES_ENDPOINT`, and `OTEL_TRACES_EXPORTER` not `none`);
 * otherwise nothing is recorded, but trace context is still created and propagated.
 * Sampling follows `OTEL_TRACES_SAMPLER`/`_ARG` (default: parent-based, always on).
 */
export class Tracing {
  readonly tracer: Tracer;
  readonly exporting: boolean;
  /** The spans the sampler never records: a proxy hop makes those without the SDK. */
  readonly sampling: TraceSampling;
  private readonly provider: BasicTracerProvider;

  constructor(serviceName: string, instanceId: string, env: NodeJS.ProcessEnv = process.env) {
    const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
    this.exporting = !!endpoint && env.OTEL_TRACES_EXPORTER !== 'none';
    const { sampler, sampling } = processSampling(this.exporting, env);
    this.sampling = sampling;
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        ...environmentResourceAttributes(),
        'service.name': env.OTEL_SERVICE_NAME ?? serviceName,
        'service.instance.id': instanceId,
      }),
      // The env's sampler; not exporting, one that records nothing (traceparent still flows).
      sampler,
      spanProcessors: this.exporting ? [new BatchSpanProcessor(new OTLPTraceExporter())] : [],
    });
    trace.setGlobalTracerProvider(this.provider);
    this.tracer = this.provider.getTracer('weft');
  }

  /** Nest calls this on shutdown: flush what is buffered. */
  async onApplicationShutdown(): Promise<void> {
    await this.provider.shutdown().catch(() => undefined);
  }
}
