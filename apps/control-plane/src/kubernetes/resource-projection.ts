// Cluster objects of Weft's routing and policy kinds as the manifests Weft applies: apiVersion, kind, name, namespace, labels, Weft's annotations and the spec, nothing of the cluster's bookkeeping.
import type { KubernetesObject } from '@kubernetes/client-node';
import { resourceKey } from '@app/protocol';
import { apiVersionOf, WEFT_GATEWAY_CLASS, type WatchedKind } from './watched-kinds.js';

/** Namespaces of the cluster's own machinery: never meshed. */
export const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set([
  'kube-system',
  'kube-public',
  'kube-node-lease',
]);

/** A manifest as `weft apply` would read it from a file. */
export interface ProjectedManifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly spec?: unknown;
}

/** A cluster object with a spec (HTTPRoute, Gateway, weft.dev kinds). */
type SpecObject = KubernetesObject & { readonly spec?: unknown };

/**
 * The manifest of a cluster object, or undefined for one Weft leaves alone: in a system namespace,
 * or a Gateway of another class (another controller serves it). The spec goes as is: validating it
 * is the apply path's job, which names the field a bad value is in.
 */
export function manifestOf(kind: WatchedKind, object: SpecObject): ProjectedManifest | undefined {
  const { name, namespace } = object.metadata ?? {};
  if (!name || !namespace || SYSTEM_NAMESPACES.has(namespace)) return undefined;
  if (kind.kind === 'Gateway' && gatewayClassOf(object) !== WEFT_GATEWAY_CLASS) return undefined;
  return {
    apiVersion: apiVersionOf(kind),
    kind: kind.kind,
    metadata: { name, namespace, ...labelsAndAnnotations(object) },
    spec: object.spec,
  };
}

/**
 * The object's labels, and its `weft.dev/` annotations only: others (kubectl's
 * last-applied-configuration) are large and not Weft's.
 */
export function labelsAndAnnotations(object: KubernetesObject): {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
} {
  const { labels, annotations } = object.metadata ?? {};
  const weft = Object.fromEntries(
    Object.entries(annotations ?? {}).filter(([key]) => key.startsWith('weft.dev/')),
  );
  return {
    ...(labels && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
    ...(Object.keys(weft).length > 0 ? { annotations: weft } : {}),
  };
}

function gatewayClassOf(object: SpecObject): unknown {
  const spec = object.spec;
  return typeof spec === 'object' && spec !== null
    ? (spec as { gatewayClassName?: unknown }).gatewayClassName
    : undefined;
}

/** The KV key the manifest's resource is stored under (`resourceKey`). */
export function manifestKey(m: ProjectedManifest): string {
  return resourceKey(m.kind, m.metadata.namespace, m.metadata.name);
}
