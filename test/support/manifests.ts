// YAML the e2e suites apply: version subsets of a service, as users write them.

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

/** A `v1` Service `name` selecting `app=<name>`: the least a write can carry. */
export function plainService(name: string): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec: { selector: { app: ${name} } }
`;
}
