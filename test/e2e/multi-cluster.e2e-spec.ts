// Two clusters as one mesh, each on a host of its own (a Linux network namespace, or loopback where
// namespaces cannot be made): its own nats-server with its own JetStream domain, control plane and
// sidecars, joined by a leaf-node link (docs/multi-cluster.md). A Service west exports answers in
// east over the bus, as east's caller; cutting the link leaves each cluster serving and configurable;
// restoring it, they converge.
import '../support/e2e-timeout.js';
import { PermissionViolationError } from '@nats-io/transport-node';
import { encode, PROTOCOL_VERSION, Subjects } from '@app/protocol';
import { agent, http, type HttpResult } from '../support/admin-client.js';
import { EchoServer, type EchoReply } from '../support/echo-server.js';
import { FAST_TIMING } from '../support/mesh.js';
import { MeshCluster, type ClusterSidecar } from '../support/mesh-cluster.js';
import { MeshCredentials } from '../support/mesh-credentials.js';
import { NetTopology, type HostLink } from '../support/netns-topology.js';
import { scratchDir } from '../support/scratch-dir.js';
import { waitFor } from '../support/wait-for.js';

const CLUSTERSET_HOST = 'api.shop.svc.clusterset.local';

/** East's callers reach `api` over the bus: the same TrafficPolicy works in every cluster. */
const API_OVER_BUS = `apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: api-over-bus, namespace: shop }
spec:
  targetRefs: [{ kind: Service, name: api }]
  transport: bus
`;

const EXPORT_API = `apiVersion: weft.dev/v1alpha1
kind: ServiceExport
metadata: { name: api, namespace: shop }
`;

/** West's api lets only east's `web` in, on `paths`: what it decides, it decides on the caller. */
const onlyWeb = (paths: readonly string[]): string => `apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: api-callers, namespace: shop }
spec:
  selector: { matchLabels: { app: api } }
  action: ALLOW
  rules:
    - from: [{ source: { principals: [cluster.local/ns/shop/sa/web] } }]
      to: [{ operation: { paths: [${paths.join(', ')}] } }]
`;

/** East's own route to its own catalog, changed while the link is cut. */
const catalogRoute = (value: string): string => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: catalog, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: catalog }]
  rules:
    - filters:
        - type: RequestHeaderModifier
          requestHeaderModifier: { set: [{ name: x-east-config, value: ${value} }] }
      backendRefs: [{ name: catalog, port: 80 }]
`;

describe('multi-cluster: two clusters joined by a leaf-node link', () => {
  let topology: NetTopology | undefined;
  let east: MeshCluster;
  let west: MeshCluster;
  let link: HostLink;
  let credentials: MeshCredentials;
  let web: ClusterSidecar;
  const apps: EchoServer[] = [];

  /** `path` as east's `web` sends it to `host`. */
  const fromEast = (host: string, path: string): Promise<HttpResult> =>
    http(`${web.outbound}${path}`, { headers: { host } });

  /** Waits until east's call to `host` + `path` answers `status` (the calls before may differ). */
  const eastSees = (host: string, path: string, status: number): Promise<HttpResult> =>
    waitFor(
      `east's ${host}${path} to answer ${status}`,
      async () => {
        const res = await fromEast(host, path);
        return res.status === status ? res : undefined;
      },
      30_000,
    );

  beforeAll(async () => {
    const stateDir = await scratchDir('weft-mc-');
    topology = await NetTopology.create(['east', 'west']);
    credentials = await MeshCredentials.create(stateDir);
    east = await MeshCluster.start(
      'east',
      topology.host('east'),
      credentials,
      stateDir,
      FAST_TIMING,
    );
    link = await topology.link('west', 'east', east.leafPort);
    west = await MeshCluster.start(
      'west',
      topology.host('west'),
      credentials,
      stateDir,
      FAST_TIMING,
      [`${link.address}:${link.port}`],
    );
    await west.linked();
    const clustersetEnv = { WEFT_CLUSTERSET_INTERVAL_MS: '500' };
    await Promise.all([
      east.startControlPlane(clustersetEnv),
      west.startControlPlane(clustersetEnv),
    ]);
    const [apiApp, webApp, catalogApp] = await Promise.all([
      new EchoServer('api-west').start(0, west.host.testAddress),
      new EchoServer('web-east').start(0, east.host.testAddress),
      new EchoServer('catalog-east').start(0, east.host.testAddress),
    ]);
    apps.push(apiApp, webApp, catalogApp);
    [, web] = await Promise.all([
      west.startSidecar('api', 'shop', 'api-w1', apiApp.port),
      east.startSidecar('web', 'shop', 'web-e1', webApp.port),
      east.startSidecar('catalog', 'shop', 'catalog-e1', catalogApp.port),
    ]);
    await east.converged(await east.applyOk(API_OVER_BUS), ['web-e1']);
  });

  afterAll(async () => {
    const clusters = [east, west].filter(Boolean);
    await Promise.allSettled(clusters.map((c) => c.stop()));
    await Promise.allSettled(apps.map((a) => a.stop()));
    await agent.close().catch(() => undefined);
    await topology?.remove();
  });

  it("answers a Service west exports by its clusterset name in east, over the bus, and west's callee decides on east's caller", async () => {
    // Not exported: east knows no such Service.
    expect((await fromEast(CLUSTERSET_HOST, '/v1/x')).status).toBe(404);

    await west.applyOk(EXPORT_API);
    const imported = await waitFor(
      "east's import of west's api",
      async () => (await east.clusterset()).imports.find((i) => i.service === 'api'),
      30_000,
    );
    expect(imported).toMatchObject({
      cluster: 'west',
      namespace: 'shop',
      endpoints: [{ instanceId: 'api-w1', cluster: 'west' }],
    });
    expect((await east.clusterset()).cluster).toBe('east');

    const res = await eastSees(CLUSTERSET_HOST, '/v1/x', 200);
    expect(res.headers['x-echo-name']).toBe('api-west');
    // Its local name answers the same: over the bus it is one subject in every linked cluster.
    expect((await fromEast('api.shop', '/v1/x')).headers['x-echo-name']).toBe('api-west');

    // West's proxy takes the caller's identity from east's bus call: only east's `web` may call.
    await west.converged(await west.applyOk(onlyWeb(['/v1/*'])), ['api-w1']);
    expect((await fromEast(CLUSTERSET_HOST, '/v1/x')).status).toBe(200);
    const denied = await fromEast(CLUSTERSET_HOST, '/v2/x');
    expect(denied.status).toBe(403);
    expect((JSON.parse(denied.body) as { error: string }).error).toBe('rbac_denied');
  });

  it('keeps each cluster serving its own traffic and taking config while the link is cut, and converges when it is back', async () => {
    await link.cut();
    // East's call to west fails (once east's server sees the link gone: no responders).
    await eastSees(CLUSTERSET_HOST, '/v1/x', 503);

    // East serves its own traffic, and takes and applies its own config, cut off as it is.
    expect((await fromEast('catalog', '/')).headers['x-echo-name']).toBe('catalog-east');
    await east.converged(await east.applyOk(catalogRoute('taken-while-cut')), ['web-e1']);
    const local = await fromEast('catalog', '/');
    expect((JSON.parse(local.body) as EchoReply).headers['x-east-config']).toBe('taken-while-cut');

    // West takes config too: its api now lets east's web in on /v2 as well.
    await west.converged(await west.applyOk(onlyWeb(['/v1/*', '/v2/*'])), ['api-w1']);

    await link.restore();
    await west.linked(2);
    // Back together: east's calls reach west again, under the policy west took while cut.
    const res = await eastSees(CLUSTERSET_HOST, '/v2/x', 200);
    expect(res.headers['x-echo-name']).toBe('api-west');
    expect((await east.clusterset()).imports.map((i) => i.cluster)).toEqual(['west']);
  });

  it("prefers east's own instance of api over west's, and fails over to west's when it is gone", async () => {
    const apiEast = await new EchoServer('api-east').start(0, east.host.testAddress);
    apps.push(apiEast);
    const local = await east.startSidecar('api', 'shop', 'api-e1', apiEast.port);
    // NATS hands a queue group's message to a responder on the caller's own server first.
    await waitFor("east's calls to reach east's own api", async () => {
      const res = await fromEast('api.shop', '/v1/local');
      return res.headers['x-echo-name'] === 'api-east' ? res : undefined;
    });
    const names: unknown[] = [];
    for (let i = 0; i < 20; i++)
      names.push((await fromEast(CLUSTERSET_HOST, '/v1/x')).headers['x-echo-name']);
    expect(new Set(names)).toEqual(new Set(['api-east']));

    // East's instance goes: the same names reach west's, through the link.
    await local.proc.stop(5_000);
    const res = await waitFor("east's calls to fail over to west's api", async () => {
      const r = await fromEast('api.shop', '/v1/x');
      return r.headers['x-echo-name'] === 'api-west' ? r : undefined;
    });
    expect(res.status).toBe(200);
  });

  it("refuses an export announced by anyone but a control plane: a workload's forged one never leaves its server", async () => {
    const identity = { namespace: 'shop', service: 'api', serviceAccount: 'api' };
    const nc = await credentials.connect(west.testNatsUrl, { role: 'proxy', identity });
    try {
      const refused: PermissionViolationError[] = [];
      void (async () => {
        for await (const status of nc.status())
          if (status.type === 'error' && status.error instanceof PermissionViolationError)
            refused.push(status.error);
      })();
      const subject = new Subjects().clustersetExport('west', 'shop', 'ghost');
      nc.publish(
        subject,
        encode({
          v: PROTOCOL_VERSION,
          cluster: 'west',
          namespace: 'shop',
          service: 'ghost',
          exported: true,
          endpoints: [],
          sentAt: Date.now(),
        }),
      );
      await waitFor(`nats-server to refuse the publish to ${subject}`, () =>
        refused.find((e) => e.operation === 'publish' && e.subject === subject),
      );
      // Dropped at west's server: east imports only what west's control plane announced.
      expect((await east.clusterset()).imports.map((i) => i.service)).toEqual(['api']);
    } finally {
      await nc.close();
    }
  });
});
