// The mesh's root namespace: policies there (AuthorizationPolicy, PeerAuthentication) apply mesh-wide.

/**
 * A policy in the root namespace applies to the workloads of every namespace (Istio's
 * `istio-system`); a policy elsewhere applies to its own namespace's workloads.
 */
export const ROOT_NAMESPACE = 'weft-system';
