// The resource attributes the environment gives this process (`OTEL_RESOURCE_ATTRIBUTES`), for spans, metrics and logs.
import type { Attributes } from '@opentelemetry/api';
import { envDetector } from '@opentelemetry/resources';

/**
 * `OTEL_RESOURCE_ATTRIBUTES` as the OpenTelemetry SDK's own env detector parses it (percent-decoded;
 * the whole variable discarded when one entry is malformed, as the spec says). In Kubernetes the
 * chart and the injected sidecar fill `k8s.pod.name`, `k8s.namespace.name` and `k8s.node.name`
 * from the downward API. `service.name` (the detector's reading of `OTEL_SERVICE_NAME`) is left
 * out: each component names itself.
 */
export function environmentResourceAttributes(): Attributes {
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(envDetector.detect().attributes ?? {})) {
    // The env detector's values are plain strings, never the promises a detector may return.
    if (key !== 'service.name' && typeof value === 'string') attributes[key] = value;
  }
  return attributes;
}
