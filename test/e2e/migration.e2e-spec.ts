// Migration: the same HTTPRoute file, applied unchanged at the edge (router, edge mode), in a router
// (router mode) and in a full mesh (sidecars and a control plane), gives the same answers to the
// same requests: status, body, and the headers the routes shape.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { http } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { versionServices } from '../support/manifests.js';
import { Mesh } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';
import { scratchDir } from '../support/scratch-dir.js';

const ROUTES_FILE = fileURLToPath(new URL('../fixtures/migration/routes.yaml', import.meta.url));

/** Edge and router: the backends have no sidecar, so they are static endpoints. */
const staticBackends = (v1: number, v2: number): string => `
apiVersion: weft.dev/v1alpha1
kind: ExternalService
metadata: { name: api }
spec: { endpoints: [{ address: 127.0.0.1, port: ${v1} }] }
---
apiVersion: weft.dev/v1alpha1
kind: ExternalService
metadata: { name: api-v1 }
spec: { endpoints: [{ address: 127.0.0.1, port: ${v1} }] }
---
apiVersion: weft.dev/v1alpha1
kind: ExternalService
metadata: { name: api-v2 }
spec: { endpoints: [{ address: 127.0.0.1, port: ${v2} }] }
`;

const gateway = (port: number): string => `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: edge }
spec:
  gatewayClassName: weft
  listeners: [{ name: http, port: ${port}, protocol: HTTP }]
`;

/** Full mesh: the same apps behind sidecars, the versions as label selectors. */
const MESH_SERVICES = versionServices('api', ['v1', 'v2']);

interface Call {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

const CALLS: Call[] = [
  { method: 'GET', path: '/items?q=1' },
  { method: 'GET', path: '/v2/items' },
  { method: 'GET', path: '/x', headers: { 'x-canary': 'yes' } },
  { method: 'GET', path: '/old/thing?a=b' },
  { method: 'POST', path: '/echo', body: 'hello weft' },
  { method: 'GET', path: '/status/503' },
];

/** What a client sees of one answer, and what the app saw of the request (from its echo). */
async function observe(base: string, call: Call): Promise<Record<string, unknown>> {
  const res = await http(`${base}${call.path}`, {
    method: call.method,
    headers: { host: 'api', ...call.headers },
    body: call.body,
  });
  const seen = res.headers['content-type'] === 'application/json' ? parseEcho(res.body) : res.body;
  return {
    status: res.status,
    location: res.headers.location,
    'x-route': res.headers['x-route'],
    'x-echo-name': res.headers['x-echo-name'],
    'x-custom': res.headers['x-custom'],
    body: seen,
  };
}

function parseEcho(text: string): Record<string, unknown> {
  const echo = JSON.parse(text) as {
    name: string;
    method: string;
    url: string;
    headers: Record<string, string>;
  };
  return {
    name: echo.name,
    method: echo.method,
    url: echo.url,
    host: echo.headers.host,
    fromRoute: echo.headers['x-from-route'],
  };
}

const observeAll = async (base: string): Promise<Record<string, unknown>[]> => {
  const out: Record<string, unknown>[] = [];
  for (const call of CALLS) out.push(await observe(base, call));
  return out;
};

describe('migration from edge to router to full mesh', () => {
  let mesh: Mesh;
  let dir: string;
  const apps: EchoServer[] = [];

  beforeAll(async () => {
    mesh = await Mesh.start();
    dir = await scratchDir('weft-migration-');
    apps.push(await new EchoServer('api-v1').start(), await new EchoServer('api-v2').start());
  });

  afterAll(async () => {
    await mesh.stop();
    await Promise.all(apps.map((a) => a.stop()));
  });

  it('answers the same requests the same way in edge, router and full-mesh modes', async () => {
    const routes = await readFile(ROUTES_FILE, 'utf8');
    const [v1, v2] = apps.map((a) => a.port);
    const folder = async (name: string, ...docs: string[]): Promise<string> => {
      const path = join(dir, name);
      await mkdir(path);
      await writeFile(join(path, 'routes.yaml'), routes);
      await writeFile(join(path, 'more.yaml'), docs.join('\n---\n'));
      return path;
    };
    // No NATS for the folder-configured routers: an address nothing listens on.
    const noNats = `nats://127.0.0.1:${await freePort()}`;

    // 1. Edge: a router serving the Gateway's listener.
    const edgePort = await freePort();
    await mesh.startRouter(
      'edge',
      {
        WEFT_MODE: 'edge',
        WEFT_GATEWAY: 'edge',
        WEFT_CONFIG_DIR: await folder('edge', gateway(edgePort), staticBackends(v1, v2)),
      },
      noNats,
    );
    const edge = await observeAll(`http://127.0.0.1:${edgePort}`);

    // 2. Router: routing by Host, as for services calling each other through it.
    const routerPort = await freePort();
    await mesh.startRouter(
      'router',
      {
        WEFT_MODE: 'router',
        WEFT_LISTEN_PORT: String(routerPort),
        WEFT_CONFIG_DIR: await folder('router', staticBackends(v1, v2)),
      },
      noNats,
    );
    const router = await observeAll(`http://127.0.0.1:${routerPort}`);

    // 3. Full mesh: the same apps behind sidecars; the caller's proxy routes.
    await mesh.startControlPlane();
    await mesh.leader();
    const revision = await mesh.applyOk(`${routes}\n---\n${MESH_SERVICES}`);
    for (const [i, app] of apps.entries()) {
      const version = `v${i + 1}`;
      await mesh.startSidecar({
        service: 'api',
        instanceId: `api-${version}`,
        appPort: app.port,
        labels: `version=${version}`,
      });
    }
    const caller = await mesh.startSidecar({
      service: '',
      instanceId: 'caller',
      appPort: 0,
      env: { WEFT_MODE: 'node', WEFT_APP_PORT: '' },
    });
    await mesh.converged(revision, ['api-v1', 'api-v2', 'caller']);
    await waitFor('both versions reachable from the caller', async () => {
      const [a, b] = [
        await observe(caller.outbound, CALLS[0]),
        await observe(caller.outbound, CALLS[1]),
      ];
      return a.status === 200 && b.status === 200 ? true : undefined;
    });
    const fullMesh = await observeAll(caller.outbound);

    // The answers the routes call for, at the edge...
    expect(edge).toEqual([
      expect.objectContaining({
        status: 200,
        'x-echo-name': 'api-v1',
        body: { name: 'api-v1', method: 'GET', url: '/items?q=1', host: 'api', fromRoute: 'yes' },
      }),
      expect.objectContaining({
        status: 200,
        'x-route': 'v2',
        body: {
          name: 'api-v2',
          method: 'GET',
          url: '/new/items',
          host: 'api',
          fromRoute: undefined,
        },
      }),
      expect.objectContaining({ status: 200, 'x-echo-name': 'api-v2' }),
      expect.objectContaining({ status: 302, location: 'http://api/v2/thing?a=b' }),
      expect.objectContaining({ status: 200, 'x-echo-name': 'api-v1', body: 'hello weft' }),
      expect.objectContaining({ status: 503, 'x-echo-name': 'api-v1' }),
    ]);
    // ...and exactly the same in the router and in the full mesh.
    expect(router).toEqual(edge);
    expect(fullMesh).toEqual(edge);
  });
});
