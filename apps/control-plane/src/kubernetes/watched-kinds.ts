// The cluster kinds the controller follows: where the API server serves each, how to list it, and whether it has a status Weft writes.
import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';

export interface WatchedKind {
  /** The kind as Weft names it (`HTTPRoute`); the cluster's Service is `Service`. */
  readonly kind: string;
  /** API group; '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** The resource's plural name in its URL path (`httproutes`). */
  readonly plural: string;
  /** Its CRD may be absent (Gateway API, weft.dev): a 404 then means "none", not a failure. */
  readonly optional: boolean;
  /** Weft writes its status subresource (Accepted/ResolvedRefs conditions; a Gateway's listeners). */
  readonly status: boolean;
}

/** Gateways of this class are Weft's (edge routers serve them); others belong to other controllers. */
export const WEFT_GATEWAY_CLASS = 'weft';

const GATEWAY_API = 'gateway.networking.k8s.io';
const WEFT_GROUP = 'weft.dev';

/**
 * Every kind followed. GRPCRoute is not among them: Weft has no GRPCRoute kind (gRPC is routed by
 * HTTPRoutes, as HTTP/2 requests), so a cluster's GRPCRoutes are left to other implementations.
 */
export const WATCHED_KINDS: readonly WatchedKind[] = [
  core('Service', 'services'),
  // Read for the endpoints of pods without a proxy; never applied as a resource.
  {
    kind: 'EndpointSlice',
    group: 'discovery.k8s.io',
    version: 'v1',
    plural: 'endpointslices',
    optional: false,
    status: false,
  },
  crd('HTTPRoute', GATEWAY_API, 'v1', 'httproutes', true),
  crd('Gateway', GATEWAY_API, 'v1', 'gateways', true),
  crd('TrafficPolicy', WEFT_GROUP, 'v1alpha1', 'trafficpolicies', true),
  crd('ExternalService', WEFT_GROUP, 'v1alpha1', 'externalservices', true),
  crd('PeerAuthentication', WEFT_GROUP, 'v1alpha1', 'peerauthentications', true),
  crd('AuthorizationPolicy', WEFT_GROUP, 'v1alpha1', 'authorizationpolicies', true),
];

/** `group/version`, or `version` for the core group: the `apiVersion` of the kind's objects. */
export function apiVersionOf(kind: WatchedKind): string {
  return kind.group ? `${kind.group}/${kind.version}` : kind.version;
}

/** The collection across all namespaces, which the controller lists and watches. */
export function collectionPath(kind: WatchedKind): string {
  const prefix = kind.group ? `/apis/${kind.group}/${kind.version}` : `/api/${kind.version}`;
  return `${prefix}/${kind.plural}`;
}

/** The list request of a kind, made with the client's typed API for its group. */
export function lister(
  kubeConfig: KubeConfig,
  kind: WatchedKind,
): () => Promise<KubernetesListObject<KubernetesObject>> {
  if (kind.kind === 'Service') {
    const api = kubeConfig.makeApiClient(CoreV1Api);
    return () => api.listServiceForAllNamespaces();
  }
  if (kind.kind === 'EndpointSlice') {
    const api = kubeConfig.makeApiClient(DiscoveryV1Api);
    return () => api.listEndpointSliceForAllNamespaces();
  }
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const { group, version, plural } = kind;
  return async () =>
    (await api.listClusterCustomObject({
      group,
      version,
      plural,
    })) as KubernetesListObject<KubernetesObject>;
}

function core(kind: string, plural: string): WatchedKind {
  return { kind, group: '', version: 'v1', plural, optional: false, status: false };
}

function crd(
  kind: string,
  group: string,
  version: string,
  plural: string,
  status: boolean,
): WatchedKind {
  return { kind, group, version, plural, optional: true, status };
}
