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

/** The env detector's limit on a key's and a value's length (characters, decoded). */
const MAX_LENGTH = 255;

/**
 * Why the SDK's env detector discards `raw` (an `OTEL_RESOURCE_ATTRIBUTES` value) whole, naming the
 * first bad entry, or undefined when it takes it. The detector says so only at debug level of the
 * OpenTelemetry diagnostics, so the same rules are checked here (the spec's: comma-separated
 * `key=value`, `,` and `=` percent-encoded, a non-empty key, valid percent-encoding) to say it once.
 */
export function resourceAttributesProblem(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  for (const entry of raw.split(',').filter((e) => e.trim() !== '')) {
    const shown = JSON.stringify(entry.length > 100 ? `${entry.slice(0, 100)}…` : entry);
    const parts = entry.split('=');
    if (parts.length !== 2)
      return `${shown} is not key=value ("," and "=" inside a key or value must be percent-encoded)`;
    const [key, value] = parts.map((p) => p.trim());
    if (key === '') return `${shown} has an empty key`;
    try {
      if ([key, value].some((p) => decodeURIComponent(p).length > MAX_LENGTH))
        return `${shown} has a key or value over ${MAX_LENGTH} characters`;
    } catch {
      return `${shown} is not valid percent-encoding`;
    }
  }
  return undefined;
}
