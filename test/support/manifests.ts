// YAML the e2e suites apply: Services, routes and policies, as users write them.

/** `v1` Services `<app>-<version>` selecting `app=<app>,version=<version>`, one document each. */
export function versionServices(app: string, versions: readonly string[]): string {
  return versions
    .map(
      (version) => `
apiVersion: v1
kind: Service
metadata: { name: ${app}-${version} }
spec: { selector: { app: ${app}, version: ${version} } }
`,
    )
    .join('---');
}

/** An HTTPRoute `name` attached to the Service `service` (GAMMA) that sends everything to it. */
export function serviceRoute(name: string, service: string): string {
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name} }
spec:
  parentRefs: [{ group: "", kind: Service, name: ${service} }]
  rules:
    - backendRefs: [{ name: ${service}, port: 80 }]
`;
}

/**
 * A PeerAuthentication `<app>-mtls` for the workloads labelled `app=<app>` in `namespace`: a test
 * that calls an inbound listener without a mesh certificate makes it PERMISSIVE.
 */
export function peerAuthentication(
  app: string,
  mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE',
  namespace = 'default',
): string {
  return `apiVersion: weft.dev/v1alpha1
kind: PeerAuthentication
metadata: { name: ${app}-mtls, namespace: ${namespace} }
spec:
  selector: { matchLabels: { app: ${app} } }
  mtls: { mode: ${mode} }
`;
}

/** The mesh-wide PeerAuthentication (root namespace `weft-system`, no selector) with `mode`. */
export function meshPeerAuthentication(mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE'): string {
  return `apiVersion: weft.dev/v1alpha1
kind: PeerAuthentication
metadata: { name: default, namespace: weft-system }
spec:
  mtls: { mode: ${mode} }
`;
}

/** A `v1` Service `name` selecting `app=<name>`: the least a write can carry. */
export function plainService(name: string): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec: { selector: { app: ${name} } }
`;
}

/**
 * An ALLOW AuthorizationPolicy `name` for the workloads labelled `app=<app>` (or the Service of that
 * name a router fronts): only the service accounts `callers` of `namespace` may call them.
 */
export function allowCallers(
  name: string,
  app: string,
  callers: readonly string[],
  namespace = 'default',
): string {
  const principals = callers.map((sa) => `cluster.local/ns/${namespace}/sa/${sa}`).join(', ');
  return `apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  selector: { matchLabels: { app: ${app} } }
  action: ALLOW
  rules:
    - from: [{ source: { principals: [${principals}] } }]
`;
}
