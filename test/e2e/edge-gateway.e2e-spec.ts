// Edge mode: a router serving a Gateway's HTTP and HTTPS listeners (SNI, ALPN, redirects, host, path and wildcard routing).
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { http, json } from '../support/admin-client.js';
import { EchoServer, type EchoReply } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { Mesh, type Router } from '../support/mesh.js';
import { makeCertificate } from '../support/test-certificates.js';
import {
  http1OverTls,
  http2OverTls,
  servedCertificate,
  type TlsReply,
} from '../support/tls-client.js';
import { waitFor } from '../support/wait-for.js';
import { scratchDir } from '../support/scratch-dir.js';

const SHOP = 'shop.example.test';
const API = 'api.example.test';

/** A self-signed certificate for `host` in `<dir>/<secret>/tls.crt` and `tls.key`. */
async function makeSecret(dir: string, secret: string, host: string): Promise<void> {
  await makeCertificate(join(dir, secret), host);
}

function manifests(
  httpPort: number,
  httpsPort: number,
  wildPort: number,
  shop: number,
  api: number,
): string {
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: edge }
spec:
  gatewayClassName: weft
  listeners:
    - { name: http, port: ${httpPort}, protocol: HTTP }
    - { name: wild, port: ${wildPort}, protocol: HTTP, hostname: "*.example.test" }
    - name: shop
      port: ${httpsPort}
      protocol: HTTPS
      hostname: ${SHOP}
      tls: { certificateRefs: [{ kind: Secret, name: shop-tls }] }
    - name: api
      port: ${httpsPort}
      protocol: HTTPS
      hostname: ${API}
      tls: { certificateRefs: [{ name: api-tls }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: to-https }
spec:
  parentRefs: [{ name: edge, sectionName: http }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /renamed } }]
      filters:
        - type: RequestRedirect
          requestRedirect: { hostname: www.example.test }
    - filters:
        - type: RequestRedirect
          requestRedirect: { scheme: https, port: ${httpsPort}, statusCode: 301 }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: shop }
spec:
  parentRefs: [{ name: edge, sectionName: shop }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /api } }]
      backendRefs: [{ name: api }]
    - backendRefs: [{ name: shop }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: api }
spec:
  parentRefs: [{ name: edge, sectionName: api }]
  hostnames: [${API}]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /v1 } }]
      backendRefs: [{ name: api }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: wild }
spec:
  parentRefs: [{ name: edge, sectionName: wild }]
  hostnames: ["*.example.test"]
  rules: [{ backendRefs: [{ name: shop }] }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: wild-api }
spec:
  parentRefs: [{ name: edge, sectionName: wild }]
  hostnames: [${API}]
  rules: [{ backendRefs: [{ name: api }] }]
---
apiVersion: weft.dev/v1alpha1
kind: ExternalService
metadata: { name: shop }
spec:
  endpoints: [{ address: 127.0.0.1, port: ${shop} }]
---
apiVersion: weft.dev/v1alpha1
kind: ExternalService
metadata: { name: api }
spec:
  endpoints: [{ address: 127.0.0.1, port: ${api} }]
`;
}

describe('edge router (Gateway listeners)', () => {
  let mesh: Mesh;
  let dir: string;
  let certs: string;
  let router: Router;
  let httpPort: number;
  let httpsPort: number;
  let wildPort: number;
  const apps: EchoServer[] = [];

  const tlsOptions = async (servername: string): Promise<ConnectionOptions> => ({
    host: '127.0.0.1',
    port: httpsPort,
    servername,
    ca: [
      await readFile(join(certs, 'shop-tls', 'tls.crt')),
      await readFile(join(certs, 'api-tls', 'tls.crt')),
    ],
  });

  /** HTTP/1.1 over TLS, SNI and Host both `host`. */
  const https1 = async (
    host: string,
    path: string,
    extra: Partial<ConnectionOptions> = {},
  ): Promise<TlsReply> => http1OverTls({ ...(await tlsOptions(host)), ...extra }, path);

  /** HTTP/2, SNI and `:authority` both `host`; `body` is sent without a length. */
  const https2 = async (host: string, path: string, body?: string): Promise<TlsReply> =>
    http2OverTls(await tlsOptions(host), path, { body });

  /** The fingerprint of the certificate a TLS client offering SNI `servername` receives. */
  const servedFingerprint = async (servername: string): Promise<string> =>
    (await servedCertificate(await tlsOptions(servername))).fingerprint256;

  const fileFingerprint = async (secret: string): Promise<string> =>
    new X509Certificate(await readFile(join(certs, secret, 'tls.crt'))).fingerprint256;

  /** Sends raw bytes, returns what came back before the connection closed. */
  function raw(bytes: string, tls: ConnectionOptions | undefined, port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = tls
        ? tlsConnect({ ...tls, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () =>
            socket.write(bytes),
          )
        : netConnect(port, '127.0.0.1', () => socket.write(bytes));
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (c: string) => (text += c));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
  }

  beforeAll(async () => {
    apps.push(await new EchoServer('shop').start(), await new EchoServer('api').start());
    dir = await scratchDir('weft-edge-');
    certs = join(dir, 'certs');
    await makeSecret(certs, 'shop-tls', SHOP);
    await makeSecret(certs, 'api-tls', API);
    [httpPort, httpsPort, wildPort] = [await freePort(), await freePort(), await freePort()];
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    await mesh.applyOk(manifests(httpPort, httpsPort, wildPort, apps[0].port, apps[1].port));
    router = await mesh.startRouter('edge1', {
      WEFT_MODE: 'edge',
      WEFT_GATEWAY: 'edge',
      WEFT_CERT_DIR: certs,
    });
  });

  afterAll(async () => {
    await Promise.all(apps.map((s) => s.stop()));
    await mesh.stop();
  });

  it('gives each HTTPS hostname its own certificate, chosen by SNI', async () => {
    expect(await servedFingerprint(SHOP)).toBe(await fileFingerprint('shop-tls'));
    expect(await servedFingerprint(API)).toBe(await fileFingerprint('api-tls'));
  });

  it('serves HTTP/2 and HTTP/1.1 on the HTTPS port, chosen by ALPN', async () => {
    const h2 = await https2(SHOP, '/cart');
    expect([h2.alpn, h2.status, h2.headers['x-echo-name']]).toEqual(['h2', 200, 'shop']);
    const seen = JSON.parse(h2.body) as EchoReply;
    expect(seen.headers.host).toBe(`${SHOP}:${httpsPort}`);
    expect(seen.headers['x-forwarded-proto']).toBe('https');
    const h1 = await https1(SHOP, '/cart');
    expect([h1.alpn, h1.status, h1.headers['x-echo-name']]).toEqual(['http/1.1', 200, 'shop']);
  });

  it('forwards an HTTP/2 request body that carries no content-length', async () => {
    const body = 'x'.repeat(100_000);
    const reply = await https2(SHOP, '/api/upload', body);
    const seen = JSON.parse(reply.body) as EchoReply;
    expect([reply.status, seen.name, seen.method, seen.bytes]).toEqual([
      200,
      'api',
      'POST',
      100_000,
    ]);
  });

  it('redirects HTTP to HTTPS with 301 and the same host, path and query', async () => {
    const res = await http(`http://127.0.0.1:${httpPort}/cart/1?size=m`, {
      headers: { host: SHOP },
    });
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe(`https://${SHOP}:${httpsPort}/cart/1?size=m`);
  });

  it("redirects with neither port nor scheme to the Gateway listener's port, not the Host header's", async () => {
    for (const host of [SHOP, `${SHOP}:1234`]) {
      const res = await http(`http://127.0.0.1:${httpPort}/renamed/x`, { headers: { host } });
      expect([res.status, res.headers.location]).toEqual([
        302,
        `http://www.example.test:${httpPort}/renamed/x`,
      ]);
    }
  });

  it('routes by host and path to backends without sidecars', async () => {
    expect((await https1(SHOP, '/products')).headers['x-echo-name']).toBe('shop');
    expect((await https1(SHOP, '/api/items')).headers['x-echo-name']).toBe('api');
    expect((await https2(API, '/v1/items')).headers['x-echo-name']).toBe('api');
    const noPath = await https2(API, '/admin');
    expect([noPath.status, noPath.headers['x-weft-error']]).toEqual([404, 'no_route']);
  });

  it('routes to a Service whose instances registered with heartbeats, as they come and go', async () => {
    // catalog-1 behind its own sidecar, catalog-2 a workload of a node proxy: no ExternalService
    // and no Service resource, only the instances' heartbeats say where `catalog` is.
    const [one, two] = [
      await new EchoServer('catalog-1').start(),
      await new EchoServer('catalog-2').start(),
    ];
    apps.push(one, two);
    await mesh.applyOk(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: catalog }
spec:
  parentRefs: [{ name: edge, sectionName: shop }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /catalog } }]
      backendRefs: [{ name: catalog }]
`);
    const sidecar = await mesh.startSidecar({
      service: 'catalog',
      instanceId: 'catalog-1',
      appPort: one.port,
    });
    const workloads = [{ service: 'catalog', instanceId: 'catalog-2', appPort: two.port }];
    await mesh.startSidecar({
      service: '',
      instanceId: 'node-c',
      appPort: 0,
      env: { WEFT_MODE: 'node', WEFT_WORKLOADS: JSON.stringify(workloads), WEFT_APP_PORT: '' },
    });
    const seen = new Set<unknown>();
    await waitFor('the edge to reach both registered instances', async () => {
      const reply = await https1(SHOP, '/catalog/items');
      if (reply.status === 200) seen.add(reply.headers['x-echo-name']);
      return seen.size === 2 ? true : undefined;
    });
    expect([...seen].sort()).toEqual(['catalog-1', 'catalog-2']);
    const seenByApp = JSON.parse((await https1(SHOP, '/catalog/items')).body) as EchoReply;
    expect([seenByApp.url, seenByApp.headers['x-forwarded-proto']]).toEqual([
      '/catalog/items',
      'https',
    ]);

    // catalog-1's sidecar stops (drains, announces down): the edge sends to catalog-2 only.
    await sidecar.proc.stop();
    await waitFor('catalog-1 to leave the endpoint set', async () =>
      (await mesh.endpointIds('catalog')).join() === 'catalog-2' ? true : undefined,
    );
    const after = await Promise.all(
      Array.from({ length: 10 }, () => https1(SHOP, '/catalog/items')),
    );
    expect(after.map((r) => [r.status, r.headers['x-echo-name']])).toEqual(
      Array.from({ length: 10 }, () => [200, 'catalog-2']),
    );
  });

  it('serves a wildcard listener: any subdomain, an exact route hostname before the wildcard one', async () => {
    const served = async (host: string) => {
      const res = await http(`http://127.0.0.1:${wildPort}/x`, { headers: { host } });
      return res.status === 200 ? res.headers['x-echo-name'] : res.status;
    };
    expect(await served('a.example.test')).toBe('shop');
    expect(await served('deep.b.example.test:8080')).toBe('shop');
    expect(await served(API)).toBe('api');
    // `*.example.test` takes one label or more, never the bare domain nor another one.
    expect(await served('example.test')).toBe(404);
    expect(await served('a.example.org')).toBe(404);
  });

  it('answers 404 for a host no route serves', async () => {
    const res = await https1('unknown.example.test', '/', { rejectUnauthorized: false });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({
      error: 'no_route',
      message: 'no route for host "unknown.example.test"',
    });
  });

  it('reports the routes attached to the Gateway as Accepted', async () => {
    const { items } = await json<{
      items: { metadata: { name: string }; status?: { parents: { conditions: unknown[] }[] } }[];
    }>(`${mesh.controlPlane().url}/v1/resources?kind=HTTPRoute`);
    const shop = items.find((r) => r.metadata.name === 'shop');
    expect(shop?.status?.parents[0].conditions[0]).toMatchObject({
      type: 'Accepted',
      status: 'True',
      message: 'attached to Gateway default/edge (shop)',
    });
  });

  it('rejects an invalid Gateway naming the field, and applies nothing of its batch', async () => {
    const res = await mesh.apply(`
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: broken }
spec:
  gatewayClassName: weft
  listeners: [{ name: secure, port: 9443, protocol: HTTPS }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: riding-along }
spec:
  parentRefs: [{ name: broken }]
  rules: [{ backendRefs: [{ name: shop }] }]
`);
    expect(res.status).toBe(422);
    expect(JSON.parse(res.body)).toEqual([
      { resource: 'Gateway/default/broken', path: 'spec.listeners[0].tls', message: 'is required' },
    ]);
    const { items } = await json<{ items: { kind: string; metadata: { name: string } }[] }>(
      `${mesh.controlPlane().url}/v1/resources`,
    );
    const names = items.map((r) => `${r.kind}/${r.metadata.name}`);
    expect(names).toContain('Gateway/edge');
    expect(names).not.toContain('Gateway/broken');
    expect(names).not.toContain('HTTPRoute/riding-along');
  });

  it('answers malformed HTTP with 400 on both listeners and keeps serving', async () => {
    const garbage = 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n';
    expect(await raw(garbage, undefined, httpPort)).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw(garbage, await tlsOptions(SHOP), httpsPort)).toMatch(/^HTTP\/1\.1 400 /);
    expect((await https2(SHOP, '/after')).status).toBe(200);
    expect(router.proc.running).toBe(true);
  });

  it('reloads a certificate when its files change', async () => {
    const before = await fileFingerprint('shop-tls');
    await makeSecret(certs, 'shop-tls', SHOP);
    const after = await fileFingerprint('shop-tls');
    expect(after).not.toBe(before);
    await waitFor('the new certificate', async () =>
      (await servedFingerprint(SHOP)) === after ? true : undefined,
    );
    expect((await https1(SHOP, '/')).status).toBe(200);
  });

  it('serves the same files standalone, from a folder, without NATS', async () => {
    const config = join(dir, 'config');
    await mkdir(config);
    const [plain, secure, wild] = [await freePort(), await freePort(), await freePort()];
    await writeFile(
      join(config, 'edge.yaml'),
      manifests(plain, secure, wild, apps[0].port, apps[1].port),
    );
    const standalone = await mesh.startRouter(
      'edge-standalone',
      { WEFT_MODE: 'edge', WEFT_GATEWAY: 'edge', WEFT_CERT_DIR: certs, WEFT_CONFIG_DIR: config },
      `nats://127.0.0.1:${await freePort()}`,
    );
    const res = await http(`http://127.0.0.1:${plain}/x`, { headers: { host: SHOP } });
    expect([res.status, res.headers.location]).toEqual([301, `https://${SHOP}:${secure}/x`]);
    httpsPort = secure;
    expect((await https2(API, '/v1/x')).headers['x-echo-name']).toBe('api');
    expect(standalone.proc.logs().some((l) => l.includes('connected to NATS'))).toBe(false);
  });
});
