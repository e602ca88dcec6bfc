// Passthrough (Istio's ALLOW_ANY) and REGISTRY_ONLY through real sidecars: a request for an address
// no Service covers reaches it unchanged, unless MeshConfig allows only registered destinations; the
// proxy's own listeners and a router are never a way through.
import { http, type HttpResult } from '../support/admin-client.js';
import { EchoServer, type EchoReply } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { rawGet } from '../support/raw-clients.js';
import { Mesh, type Router, type Sidecar } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';

const meshConfig = (mode: 'ALLOW_ANY' | 'REGISTRY_ONLY') => `
apiVersion: weft.dev/v1alpha1
kind: MeshConfig
metadata: { name: default, namespace: weft-system }
spec:
  outboundTrafficPolicy: { mode: ${mode} }
`;

describe('passthrough and REGISTRY_ONLY', () => {
  let mesh: Mesh;
  let a: Sidecar;
  let router: Router;
  let routerPort: number;
  /** b's app: a meshed instance, called here by its own address and port. */
  let b: EchoServer;
  const apps: EchoServer[] = [];

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    b = await new EchoServer('b1').start();
    const aApp = await new EchoServer('a1').start();
    apps.push(b, aApp);
    routerPort = await freePort();
    [a, , router] = await Promise.all([
      mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: aApp.port }),
      mesh.startSidecar({ service: 'b', instanceId: 'b1', appPort: b.port }),
      mesh.startRouter('r1', { WEFT_MODE: 'router', WEFT_LISTEN_PORT: String(routerPort) }),
    ]);
    await waitFor('b registered', async () =>
      (await mesh.endpointIds('b')).length === 1 ? true : undefined,
    );
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await mesh.stop();
  });

  const toAddress = (authority: string, path = '/direct'): Promise<HttpResult> =>
    http(`${a.outbound}${path}`, { headers: { host: authority, 'x-app-header': 'kept' } });

  describe('ALLOW_ANY (no MeshConfig)', () => {
    it("passes a request for an instance's own address and port through, unchanged", async () => {
      const authority = `127.0.0.1:${b.port}`;
      const res = await toAddress(authority, '/direct?q=1');
      expect([res.status, res.headers['x-echo-name']]).toEqual([200, 'b1']);
      const seen = JSON.parse(res.body) as EchoReply;
      // As the app sent it: its Host, path and headers; nothing of the mesh's added.
      expect([seen.url, seen.headers.host, seen.headers['x-app-header']]).toEqual([
        '/direct?q=1',
        authority,
        'kept',
      ]);
      expect([seen.headers['x-weft-caller'], seen.headers['x-forwarded-for']]).toEqual([
        undefined,
        undefined,
      ]);
    });

    it('passes an absolute-form request (an HTTP_PROXY client) through', async () => {
      const res = await rawGet(a.outboundPort, `http://127.0.0.1:${b.port}/absolute`);
      expect(res.status).toBe(200);
      expect((JSON.parse(res.body) as EchoReply).url).toBe('/absolute');
    });

    it("refuses the proxy's own admin, inbound and outbound ports (403 passthrough_denied)", async () => {
      for (const port of [a.adminPort, a.inboundPort, a.outboundPort]) {
        const res = await toAddress(`127.0.0.1:${port}`, '/metrics');
        expect([port, res.status, res.headers['x-weft-error']]).toEqual([
          port,
          403,
          'passthrough_denied',
        ]);
        expect(res.body).not.toMatch(/weft_/);
      }
    });

    it('keeps answering 404 no_route for a name no Service covers', async () => {
      const res = await toAddress('nowhere.example');
      expect([res.status, res.headers['x-weft-error']]).toEqual([404, 'no_route']);
    });

    it('never passes through at a router, which serves callers of any namespace', async () => {
      const res = await http(`http://127.0.0.1:${routerPort}/direct`, {
        headers: { host: `127.0.0.1:${b.port}` },
      });
      expect([res.status, res.headers['x-weft-error']]).toEqual([404, 'no_route']);
      expect(router.proc.running).toBe(true);
    });
  });

  describe('REGISTRY_ONLY', () => {
    it('refuses an address no Service covers with 404 no_route naming the setting, and allows it again after', async () => {
      const revision = await mesh.applyOk(meshConfig('REGISTRY_ONLY'));
      await mesh.converged(revision, ['a1']);
      const before = b.received.length;
      const res = await toAddress(`127.0.0.1:${b.port}`);
      expect([res.status, res.headers['x-weft-error']]).toEqual([404, 'no_route']);
      expect(JSON.parse(res.body)).toEqual({
        error: 'no_route',
        message: expect.stringContaining('outboundTrafficPolicy REGISTRY_ONLY') as string,
      });
      expect(b.received.length).toBe(before);
      // Services still route.
      expect((await http(`${a.outbound}/`, { headers: { host: 'b' } })).status).toBe(200);

      const back = await mesh.applyOk(meshConfig('ALLOW_ANY'));
      await mesh.converged(back, ['a1']);
      expect((await toAddress(`127.0.0.1:${b.port}`)).status).toBe(200);
    });
  });
});
