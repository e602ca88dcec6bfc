// GAMMA route binding through real sidecars: a parentRef `port` binds a route to one Service port
// (HTTPRouteParentRefPort), and a consumer's route replaces the producer's for its namespace only
// (MeshConsumerRoute).
import { http } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';

/** `b` in `shop` with two ports; the producer's routes in `shop`, a consumer's in `web`. */
const RESOURCES = `
apiVersion: v1
kind: Service
metadata: { name: b, namespace: shop }
spec:
  selector: { app: b }
  ports: [{ name: http, port: 80 }, { name: admin, port: 9090 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: producer, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: b }]
  rules:
    - filters:
        - type: ResponseHeaderModifier
          responseHeaderModifier: { set: [{ name: X-Route, value: producer }] }
      backendRefs: [{ name: b, port: 80 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: producer-admin, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: b, port: 9090 }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /admin } }]
      filters:
        - type: ResponseHeaderModifier
          responseHeaderModifier: { set: [{ name: X-Route, value: producer-admin-port }] }
      backendRefs: [{ name: b, port: 9090 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: consumer, namespace: web }
spec:
  parentRefs: [{ group: "", kind: Service, name: b, namespace: shop }]
  rules:
    - filters:
        - type: ResponseHeaderModifier
          responseHeaderModifier: { set: [{ name: X-Route, value: consumer }] }
      backendRefs: [{ name: b, namespace: shop, port: 80 }]
`;

describe('GAMMA route binding: Service ports, producer and consumer routes', () => {
  let mesh: Mesh;
  const apps: EchoServer[] = [];
  /** Callers in the consumer route's namespace, in the Service's own, and in a third one. */
  const callers = new Map<string, Sidecar>();

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    const b = await new EchoServer('b1').start();
    apps.push(b);
    await mesh.startSidecar({
      service: 'b',
      instanceId: 'b1',
      appPort: b.port,
      env: { WEFT_NAMESPACE: 'shop' },
    });
    await waitFor('b in shop registered', async () =>
      (await mesh.endpointIds('b', 'shop')).length === 1 ? true : undefined,
    );
    const revision = await mesh.applyOk(RESOURCES);
    for (const namespace of ['web', 'shop', 'billing']) {
      const app = await new EchoServer(`client-${namespace}`).start();
      apps.push(app);
      const sidecar = await mesh.startSidecar({
        service: 'client',
        instanceId: `client-${namespace}`,
        appPort: app.port,
        env: { WEFT_NAMESPACE: namespace },
      });
      callers.set(namespace, sidecar);
    }
    await mesh.converged(revision, ['b1', ...[...callers.keys()].map((ns) => `client-${ns}`)]);
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await mesh.stop();
  });

  /** The route that answered a call from `namespace`'s caller to `authority` (its `X-Route`). */
  const routeSeen = async (namespace: string, authority: string, path = '/') => {
    const res = await http(`${callers.get(namespace)!.outbound}${path}`, {
      headers: { host: authority },
    });
    expect([res.status, res.headers['x-echo-name']]).toEqual([200, 'b1']);
    return res.headers['x-route'];
  };

  describe('parentRef port (HTTPRouteParentRefPort)', () => {
    it('applies a route bound to port 9090 to requests for that Service port only', async () => {
      expect(await routeSeen('billing', 'b.shop:9090', '/admin/users')).toBe('producer-admin-port');
      // Port 80 (named, and implied by a Host without a port) and a port no route names.
      expect(await routeSeen('billing', 'b.shop:80', '/admin/users')).toBe('producer');
      expect(await routeSeen('billing', 'b.shop', '/admin/users')).toBe('producer');
      expect(await routeSeen('billing', 'b.shop:8080', '/admin/users')).toBe('producer');
    });

    it('keeps the port-less route on the bound port for what the bound route does not match', async () => {
      expect(await routeSeen('billing', 'b.shop:9090', '/other')).toBe('producer');
    });
  });

  describe('producer and consumer routes (MeshConsumerRoute)', () => {
    it("gives callers in the consumer route's namespace its route, on every port", async () => {
      expect(await routeSeen('web', 'b.shop')).toBe('consumer');
      // It replaces the producer's routes there, the port-bound one included.
      expect(await routeSeen('web', 'b.shop:9090', '/admin/users')).toBe('consumer');
    });

    it("gives callers of the Service's namespace and of any other the producer's route", async () => {
      expect(await routeSeen('shop', 'b')).toBe('producer');
      expect(await routeSeen('billing', 'b.shop.svc.cluster.local')).toBe('producer');
    });
  });
});
