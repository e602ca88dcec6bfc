// Standalone proxy: no control plane and no NATS; config from a folder, hot-reloaded, static endpoints.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { http } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { scratchDir } from '../support/scratch-dir.js';

const external = (name: string, port: number, hosts: string[] = []): string => `
apiVersion: weft.dev/v1alpha1
kind: ExternalService
metadata: { name: ${name} }
spec:
  hosts: [${hosts.join(', ')}]
  endpoints: [{ address: 127.0.0.1, port: ${port} }]
`;

describe('standalone proxy (no control plane, no NATS)', () => {
  let mesh: Mesh;
  let dir: string;
  let proxy: Sidecar;
  const apps: EchoServer[] = [];

  beforeAll(async () => {
    apps.push(await new EchoServer('stable').start(), await new EchoServer('canary').start());
    dir = await scratchDir('weft-standalone-');
    await writeFile(
      join(dir, 'services.yaml'),
      `${external('api', apps[0].port, ['api.example.com'])}---${external('api-canary', apps[1].port)}`,
    );
    mesh = await Mesh.start();
    proxy = await mesh.startSidecar({
      service: 'edge',
      instanceId: 'edge1',
      appPort: 0,
      natsUrl: `nats://127.0.0.1:${await freePort()}`,
      env: { WEFT_MODE: 'standalone', WEFT_CONFIG_DIR: dir },
    });
  });

  afterAll(async () => {
    await Promise.all(apps.map((s) => s.stop()));
    await mesh.stop();
  });

  const via = (host: string, headers: Record<string, string> = {}) =>
    http(`${proxy.outbound}/x`, { headers: { host, ...headers } });

  it('routes to static endpoints by name and by listed host, with no NATS anywhere', async () => {
    expect((await via('api')).headers['x-echo-name']).toBe('stable');
    expect((await via('api.example.com')).headers['x-echo-name']).toBe('stable');
    expect((await via('api-canary')).headers['x-echo-name']).toBe('canary');
    expect(proxy.proc.logs().some((l) => l.includes('connected to NATS'))).toBe(false);
  });

  it('reloads when a file changes', async () => {
    await writeFile(
      join(dir, 'route.yaml'),
      `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: api }
spec:
  parentRefs: [{ kind: Service, name: api }]
  rules:
    - matches: [{ headers: [{ name: x-canary, value: "1" }] }]
      backendRefs: [{ name: api-canary }]
    - backendRefs: [{ name: api }]
`,
    );
    await waitFor('the canary route', async () =>
      (await via('api', { 'x-canary': '1' })).headers['x-echo-name'] === 'canary'
        ? true
        : undefined,
    );
    expect((await via('api')).headers['x-echo-name']).toBe('stable');
  });

  it('keeps the last good config when a file turns invalid, naming the field', async () => {
    await writeFile(join(dir, 'broken.yaml'), external('bad', 0));
    await waitFor('the rejection in the log', () =>
      proxy.proc
        .logs()
        .some((l) => l.includes('rejected invalid input') && l.includes('spec.endpoints[0].port'))
        ? true
        : undefined,
    );
    await sleep(200);
    expect((await via('api', { 'x-canary': '1' })).headers['x-echo-name']).toBe('canary');
    expect((await via('bad')).status).toBe(404);
  });
});
