// The mesh most e2e suites need: service `a` calling service `b`, whose instances b1/b2 are v1/v2.
import { EchoServer } from './echo-server.js';
import { versionServices } from './manifests.js';
import type { Mesh, Sidecar } from './mesh.js';

/** Sidecar (and instance) ids of the caller and of b's two versions. */
export const CALLER_AND_VERSIONS = ['a1', 'b1', 'b2'] as const;

/** Services b-v1 and b-v2, and a route sending every request to `b` to one of them. */
export function routeAllTo(version: 'v1' | 'v2'): string {
  return `${versionServices('b', ['v1', 'v2'])}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: b-route }
spec:
  parentRefs: [{ kind: Service, name: b }]
  rules: [{ backendRefs: [{ name: b-${version} }] }]
`;
}

/**
 * Starts echo apps `a`, `b1`, `b2` (pushed onto `apps`, for the caller to stop) and their sidecars;
 * returns the caller's sidecar, whose outbound listener reaches `b`.
 */
export async function startCallerAndVersions(mesh: Mesh, apps: EchoServer[]): Promise<Sidecar> {
  for (const name of ['a', 'b1', 'b2']) apps.push(await new EchoServer(name).start());
  const [a] = await Promise.all([
    mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: apps[0].port }),
    mesh.startSidecar({
      service: 'b',
      instanceId: 'b1',
      appPort: apps[1].port,
      labels: 'version=v1',
    }),
    mesh.startSidecar({
      service: 'b',
      instanceId: 'b2',
      appPort: apps[2].port,
      labels: 'version=v2',
    }),
  ]);
  return a;
}
