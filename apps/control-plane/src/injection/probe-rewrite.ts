// Rewrites an app's kubelet HTTP probes to the proxy's admin port, as Istio's probe rewrite does: with capture, a probe sent to the app's port would reach the inbound listener, which STRICT mTLS refuses to the kubelet's plaintext.
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
interface OriginalProbe {
  readonly port: number;
  readonly path: string;
  readonly scheme: string;
  readonly headers?: readonly unknown[];
  readonly timeoutSeconds: number;
}

export interface ProbeRewrite {
  /** Rewritten path → the original: the value of the proxy's WEFT_APP_PROBES (empty: nothing rewritten). */
  readonly originals: Readonly<Record<string, OriginalProbe>>;
  /** The app containers with their probes rewritten. */
  readonly containers: readonly PodContainer[];
  /** The same change as JSONPatch: each rewritten probe's `httpGet` replaced (`add` replaces a member). */
  readonly ops: readonly JsonPatchOp[];
}

interface HttpGet {
  readonly path?: unknown;
  readonly port?: unknown;
  readonly host?: unknown;
  readonly scheme?: unknown;
  readonly httpHeaders?: unknown;
}

/**
 * Every `httpGet` liveness, readiness and startup probe of the app containers, rewritten to
 * `/app-health/<container>/<livez|readyz|startupz>` on the proxy's admin port (which capture leaves
 * alone); the proxy sends each to the app's original port and path and answers with its status.
 * Probes naming another host, and exec, tcpSocket and grpc probes, are left as they are.
 */
export function rewriteAppProbes(pod: PodManifest, resource: string): Result<ProbeRewrite> {
  const originals: Record<string, OriginalProbe> = {};
  const ops: JsonPatchOp[] = [];
  const errors: FieldError[] = [];
  const containers = pod.spec.containers.map((container, i) => {
    let rewritten = container;
    for (const [field, word] of Object.entries(PROBE_WORDS)) {
      const probe = container[field] as { httpGet?: HttpGet; timeoutSeconds?: unknown } | undefined;
      const get = probe?.httpGet;
      if (!get || get.host !== undefined) continue;
      const at = `spec.containers[${i}].${field}.httpGet`;
      const port = portOf(container, get.port);
      if (port === undefined) {
        errors.push({
          resource,
          path: `${at}.port`,
          message: `port ${JSON.stringify(get.port)} is neither a number nor a port the container names`,
        });
        continue;
      }
      if (port === PROXY_ADMIN_PORT) continue;
      const path = appHealthPath(container.name, word);
      originals[path] = {
        port,
        path: typeof get.path === 'string' && get.path !== '' ? get.path : '/',
        scheme: get.scheme === 'HTTPS' ? 'HTTPS' : 'HTTP',
        ...(Array.isArray(get.httpHeaders) && get.httpHeaders.length > 0
          ? { headers: get.httpHeaders as unknown[] }
          : {}),
        timeoutSeconds: typeof probe.timeoutSeconds === 'number' ? probe.timeoutSeconds : 1,
      };
      const httpGet = { path, port: PROXY_ADMIN_PORT, scheme: 'HTTP' };
      rewritten = { ...rewritten, [field]: { ...probe, httpGet } };
      ops.push({ op: 'add', path: `/spec/containers/${i}/${field}/httpGet`, value: httpGet });
    }
    return rewritten;
  });
  return errors.length > 0 ? fail(errors) : ok({ originals, containers, ops });
}

/** A probe's port: a number, or the name of one of the container's ports. */
function portOf(container: PodContainer, port: unknown): number | undefined {
  if (typeof port === 'number')
    return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
  if (typeof port === 'string' && /^\d+$/.test(port)) return portOf(container, Number(port));
  return container.ports?.find((p) => p.name === port)?.containerPort;
}
