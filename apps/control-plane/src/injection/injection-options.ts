// A pod's per-pod injection settings, read from its weft.dev annotations and labels, each checked with the field it came from.
import {
  DNS_LABEL,
  DNS_LABEL_MESSAGE,
  fail,
  ok,
  type FieldError,
  type Result,
} from '@app/protocol';
import type { PodManifest } from './pod-manifest.js';

/** The annotations (or labels, for the first) a pod sets injection with. */
export const ANNOTATIONS = {
  inject: 'weft.dev/inject',
  status: 'weft.dev/status',
  service: 'weft.dev/service',
  appPort: 'weft.dev/app-port',
  logLevel: 'weft.dev/log-level',
  capture: 'weft.dev/capture',
  /** "false" leaves the app's probes as they are (Istio's `sidecar.istio.io/rewriteAppHTTPProbers`). */
  rewriteProbes: 'weft.dev/rewrite-probes',
  outboundPorts: 'weft.dev/outbound-ports',
  excludeInboundPorts: 'weft.dev/exclude-inbound-ports',
  credsSecret: 'weft.dev/creds-secret',
  proxyCpu: 'weft.dev/proxy-cpu',
  proxyMemory: 'weft.dev/proxy-memory',
  proxyMemoryLimit: 'weft.dev/proxy-memory-limit',
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
/** `*`, or a comma list of ports, as `weft init-capture` takes them. */
const PORT_LIST = /^(\*|\d{1,5}(,\d{1,5})*)$/;
/** A Kubernetes resource quantity (`100m`, `64Mi`, `0.5`). */
const QUANTITY = /^\d+(\.\d+)?(m|k|M|G|Ki|Mi|Gi)?$/;
/** Kubernetes Secret names are DNS subdomains. */
const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export interface InjectionOptions {
  readonly service: string;
  readonly serviceAccount: string;
  readonly appPort: number;
  readonly logLevel?: string;
  readonly capture: boolean;
  /** Rewrite the app's probes to the proxy (only with capture, which needs it). */
  readonly rewriteProbes: boolean;
  readonly outboundPorts?: string;
  readonly excludeInboundPorts?: string;
  readonly credsSecret: string;
  readonly cpu: string;
  readonly memory: string;
  readonly memoryLimit: string;
}

/** Whether the pod asks for no injection, or already has it (a webhook may be called twice). */
export function skipReason(pod: PodManifest): string | undefined {
  const meta = pod.metadata ?? {};
  if (meta.labels?.[ANNOTATIONS.inject] === 'disabled')
    return `label ${ANNOTATIONS.inject}=disabled`;
  if (meta.annotations?.[ANNOTATIONS.inject] === 'disabled') {
    return `annotation ${ANNOTATIONS.inject}=disabled`;
  }
  if (meta.annotations?.[ANNOTATIONS.status] === 'injected') return 'already injected';
  return undefined;
}

/** The pod's settings, or every problem with them: `resource` names the pod, `path` the field. */
export function injectionOptions(pod: PodManifest, resource: string): Result<InjectionOptions> {
  const annotations = pod.metadata?.annotations ?? {};
  const labels = pod.metadata?.labels ?? {};
  const errors: FieldError[] = [];
  const at = (name: string) => `metadata.annotations[${name}]`;
  const check = (name: string, valid: boolean, reason: string) => {
    if (!valid) errors.push({ resource, path: at(name), message: reason });
  };

  // The Service the pod is an instance of: as Istio, the annotation, else the app labels.
  const service =
    annotations[ANNOTATIONS.service] ?? labels['app.kubernetes.io/name'] ?? labels.app ?? '';
  if (service === '') {
    errors.push({
      resource,
      path: 'metadata.labels[app]',
      message: `the pod names no Service: set the label app (or app.kubernetes.io/name) or the annotation ${ANNOTATIONS.service}`,
    });
  } else if (!DNS_LABEL.test(service)) {
    errors.push({
      resource,
      path: 'metadata.labels[app]',
      message: `Service "${service}" ${DNS_LABEL_MESSAGE}`,
    });
  }

  const serviceAccount = pod.spec.serviceAccountName ?? 'default';
  const appPort = appPortOf(pod, annotations[ANNOTATIONS.appPort], resource, errors);

  const logLevel = annotations[ANNOTATIONS.logLevel];
  if (logLevel !== undefined)
    check(
      ANNOTATIONS.logLevel,
      LOG_LEVELS.includes(logLevel),
      `must be one of ${LOG_LEVELS.join(', ')}`,
    );
  const capture = annotations[ANNOTATIONS.capture] ?? 'enabled';
  check(
    ANNOTATIONS.capture,
    ['enabled', 'disabled'].includes(capture),
    'must be enabled or disabled',
  );
  const rewriteProbes = annotations[ANNOTATIONS.rewriteProbes] ?? 'true';
  check(
    ANNOTATIONS.rewriteProbes,
    ['true', 'false'].includes(rewriteProbes),
    'must be "true" or "false"',
  );
  for (const name of [ANNOTATIONS.outboundPorts, ANNOTATIONS.excludeInboundPorts]) {
    const value = annotations[name];
    if (value !== undefined)
      check(name, PORT_LIST.test(value), 'must be * or a comma list of ports');
  }
  const credsSecret = annotations[ANNOTATIONS.credsSecret] ?? `weft-proxy-${serviceAccount}`;
  check(ANNOTATIONS.credsSecret, SECRET_NAME.test(credsSecret), 'must be a Secret name');
  const quantity = (name: string, fallback: string) => {
    const value = annotations[name] ?? fallback;
    check(name, QUANTITY.test(value), 'must be a resource quantity (e.g. 100m, 64Mi)');
    return value;
  };
  const cpu = quantity(ANNOTATIONS.proxyCpu, '50m');
  const memory = quantity(ANNOTATIONS.proxyMemory, '64Mi');
  const memoryLimit = quantity(ANNOTATIONS.proxyMemoryLimit, '256Mi');

  if (errors.length > 0) return fail(errors);
  return ok({
    service,
    serviceAccount,
    appPort,
    logLevel,
    capture: capture === 'enabled',
    rewriteProbes: rewriteProbes === 'true',
    outboundPorts: annotations[ANNOTATIONS.outboundPorts],
    excludeInboundPorts: annotations[ANNOTATIONS.excludeInboundPorts],
    credsSecret,
    cpu,
    memory,
    memoryLimit,
  });
}

/** The annotation's port, else the first TCP port the app's first container declares. */
function appPortOf(
  pod: PodManifest,
  annotation: string | undefined,
  resource: string,
  errors: FieldError[],
): number {
  if (annotation !== undefined) {
    const port = /^\d{1,5}$/.test(annotation) ? Number(annotation) : 0;
    if (port < 1 || port > 65535) {
      errors.push({
        resource,
        path: `metadata.annotations[${ANNOTATIONS.appPort}]`,
        message: 'must be a port, 1 to 65535',
      });
    }
    return port;
  }
  const declared = pod.spec.containers[0]?.ports?.find((p) => (p.protocol ?? 'TCP') === 'TCP');
  if (declared === undefined) {
    errors.push({
      resource,
      path: 'spec.containers[0].ports',
      message: `the app declares no TCP port: declare one, or set the annotation ${ANNOTATIONS.appPort}`,
    });
    return 0;
  }
  return declared.containerPort;
}
