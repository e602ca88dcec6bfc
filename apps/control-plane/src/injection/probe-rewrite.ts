// Rewrites an app's kubelet httpGet, tcpSocket and grpc probes to the proxy's admin port, as Istio's probe rewrite does: with capture, a probe sent to the app's port would reach the inbound listener, which STRICT mTLS refuses to the kubelet's plaintext (and which accepts any TCP connection).
import {
  appHealthPath,
  PROBE_WORDS,
  PROXY_ADMIN_PORT,
  fail,
  ok,
  type FieldError,
  type Result,
} from '@app/protocol';
import type { JsonPatchOp, PodContainer, PodManifest } from './pod-manifest.js';

/** A probe's original target, as the proxy's WEFT_APP_PROBES records it (protocol `AppProbe`). */
type OriginalProbe =
  | {
      readonly port: number;
      readonly path: string;
      readonly scheme: string;
      readonly headers?: readonly unknown[];
      readonly timeoutSeconds: number;
    }
  | { readonly type: 'tcpSocket'; readonly port: number; readonly timeoutSeconds: number }
  | {
      readonly type: 'grpc';
      readonly port: number;
      readonly service?: string;
      readonly timeoutSeconds: number;
    };

export interface ProbeRewrite {
  /** Rewritten path → the original: the value of the proxy's WEFT_APP_PROBES (empty: nothing rewritten). */
  readonly originals: Readonly<Record<string, OriginalProbe>>;
  /** The app containers with their probes rewritten. */
  readonly containers: readonly PodContainer[];
  /**
   * The same change as JSONPatch (`add` replaces a member): an `httpGet` probe's `httpGet`, a
   * `tcpSocket` or `grpc` probe whole (its handler becomes an `httpGet`).
   */
  readonly ops: readonly JsonPatchOp[];
}

interface HttpGet {
  readonly path?: unknown;
  readonly port?: unknown;
  readonly host?: unknown;
  readonly scheme?: unknown;
  readonly httpHeaders?: unknown;
}

/** A kubelet probe as the pod spec has it: one handler, and the settings kept as they are. */
interface Probe {
  readonly httpGet?: HttpGet;
  readonly tcpSocket?: { readonly port?: unknown; readonly host?: unknown };
  readonly grpc?: { readonly port?: unknown; readonly service?: unknown };
  readonly timeoutSeconds?: unknown;
  readonly [field: string]: unknown;
}

/**
 * Every `httpGet`, `tcpSocket` and `grpc` liveness, readiness and startup probe of the app
 * containers, rewritten to an `httpGet` of `/app-health/<container>/<livez|readyz|startupz>` on the
 * proxy's admin port (which capture leaves alone); the proxy sends each to the app's original port
 * (a GET of the path, a TCP connection, a gRPC health check) and answers with the outcome. Probes
 * naming another host, and exec probes, are left as they are.
 */
export function rewriteAppProbes(pod: PodManifest, resource: string): Result<ProbeRewrite> {
  const originals: Record<string, OriginalProbe> = {};
  const ops: JsonPatchOp[] = [];
  const errors: FieldError[] = [];
  const containers = pod.spec.containers.map((container, i) => {
    let rewritten = container;
    for (const [field, word] of Object.entries(PROBE_WORDS)) {
      const probe = container[field] as Probe | undefined;
      const handler = probe && handlerOf(probe);
      if (!probe || !handler) continue;
      const port = portOf(container, handler.target.port);
      if (port === undefined) {
        errors.push({
          resource,
          path: `spec.containers[${i}].${field}.${handler.kind}.port`,
          message: `port ${JSON.stringify(handler.target.port)} is neither a number nor a port the container names`,
        });
        continue;
      }
      if (port === PROXY_ADMIN_PORT) continue;
      const path = appHealthPath(container.name, word);
      const timeoutSeconds = typeof probe.timeoutSeconds === 'number' ? probe.timeoutSeconds : 1;
      originals[path] = originalOf(handler, port, timeoutSeconds);
      const httpGet = { path, port: PROXY_ADMIN_PORT, scheme: 'HTTP' };
      if (handler.kind === 'httpGet') {
        rewritten = { ...rewritten, [field]: { ...probe, httpGet } };
        ops.push({ op: 'add', path: `/spec/containers/${i}/${field}/httpGet`, value: httpGet });
      } else {
        // A probe has exactly one handler: the tcpSocket or grpc one goes, an httpGet takes its place.
        const settings = Object.entries(probe).filter(([key]) => key !== handler.kind);
        const replaced = { ...Object.fromEntries(settings), httpGet };
        rewritten = { ...rewritten, [field]: replaced };
        ops.push({ op: 'add', path: `/spec/containers/${i}/${field}`, value: replaced });
      }
    }
    return rewritten;
  });
  return errors.length > 0 ? fail(errors) : ok({ originals, containers, ops });
}

type Handler =
  | { readonly kind: 'httpGet'; readonly target: HttpGet }
  | { readonly kind: 'tcpSocket'; readonly target: NonNullable<Probe['tcpSocket']> }
  | { readonly kind: 'grpc'; readonly target: NonNullable<Probe['grpc']> };

/** The probe's handler the proxy can answer for; none for exec and for probes of another host. */
function handlerOf(probe: Probe): Handler | undefined {
  if (probe.httpGet)
    return probe.httpGet.host === undefined
      ? { kind: 'httpGet', target: probe.httpGet }
      : undefined;
  if (probe.tcpSocket)
    return probe.tcpSocket.host === undefined
      ? { kind: 'tcpSocket', target: probe.tcpSocket }
      : undefined;
  return probe.grpc ? { kind: 'grpc', target: probe.grpc } : undefined;
}

function originalOf(handler: Handler, port: number, timeoutSeconds: number): OriginalProbe {
  switch (handler.kind) {
    case 'httpGet': {
      const get = handler.target;
      return {
        port,
        path: typeof get.path === 'string' && get.path !== '' ? get.path : '/',
        scheme: get.scheme === 'HTTPS' ? 'HTTPS' : 'HTTP',
        ...(Array.isArray(get.httpHeaders) && get.httpHeaders.length > 0
          ? { headers: get.httpHeaders as unknown[] }
          : {}),
        timeoutSeconds,
      };
    }
    case 'tcpSocket':
      return { type: 'tcpSocket', port, timeoutSeconds };
    case 'grpc': {
      const service = handler.target.service;
      return {
        type: 'grpc',
        port,
        ...(typeof service === 'string' && service !== '' ? { service } : {}),
        timeoutSeconds,
      };
    }
  }
}

/** A probe's port: a number, or the name of one of the container's ports. */
function portOf(container: PodContainer, port: unknown): number | undefined {
  if (typeof port === 'number')
    return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
  if (typeof port === 'string' && /^\d+$/.test(port)) return portOf(container, Number(port));
  return container.ports?.find((p) => p.name === port)?.containerPort;
}
