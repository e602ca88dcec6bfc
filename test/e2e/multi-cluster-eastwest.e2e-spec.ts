// Two clusters as one mesh over HTTP: east's callers reach a Service west exports through west's
// east-west gateway (a router in eastwest mode, TLS passthrough routed by SNI), with mTLS end to end
// between east's sidecar and west's, under one root of trust (an intermediate CA per cluster).
// West's callee sees east's caller's own SPIFFE ID and decides on it; a Service west does not export
// is refused at the gateway (docs/multi-cluster.md#east-west-gateway).
import '../support/e2e-timeout.js';
import { connect } from 'node:tls';
import type { AccessRecord } from '@app/dataplane';
import { eastWestSni, Subjects } from '@app/protocol';
import { agent, http, type HttpResult } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { FAST_TIMING } from '../support/mesh.js';
import { MeshCluster, type ClusterSidecar } from '../support/mesh-cluster.js';
import { MeshCredentials } from '../support/mesh-credentials.js';
import { NetTopology } from '../support/netns-topology.js';
import { scratchDir } from '../support/scratch-dir.js';
import { sharedRootCa } from '../support/shared-root-ca.js';
import { waitFor } from '../support/wait-for.js';

const CLUSTERSET_HOST = 'api.shop.svc.clusterset.local';

const EXPORT_API = `apiVersion: weft.dev/v1alpha1
kind: ServiceExport
metadata: { name: api, namespace: shop }
`;

/** West's api lets only east's `web` in: what it decides, it decides on the caller's certificate. */
const ONLY_WEB = `apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: api-callers, namespace: shop }
spec:
  selector: { matchLabels: { app: api } }
  action: ALLOW
  rules:
    - from: [{ source: { principals: [cluster.local/ns/shop/sa/web] } }]
`;

/**
 * East's callers prefer east's own api and fail over to other clusters' (Istio's locality failover):
 * a remote instance is in the same endpoint set, through its cluster's gateway, one priority lower.
 */
const API_LOCAL_FIRST = `apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: api-local-first, namespace: shop }
spec:
  targetRefs: [{ kind: Service, name: api }]
  loadBalancer:
    localityLbSetting:
      failoverPriority: [topology.weft.dev/cluster]
  outlierDetection: { consecutiveGatewayErrors: 1, baseEjectionTime: 30s, maxEjectionPercent: 100 }
`;

/** Answers in a row that show where traffic settled. */
const SETTLED = 20;

/** How many connections the gateway at `adminUrl` counted with `outcome`. */
async function gatewayConnections(adminUrl: string, outcome: string): Promise<number> {
  const text = (await http(`${adminUrl}/metrics`)).body;
  const line = new RegExp(
    `^weft_eastwest_connections_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`,
    'm',
  );
  return Number(line.exec(text)?.[1] ?? 0);
}

describe('multi-cluster over HTTP: an east-west gateway', () => {
  let topology: NetTopology | undefined;
  let east: MeshCluster;
  let west: MeshCluster;
  let credentials: MeshCredentials;
  let web: ClusterSidecar;
  let batch: ClusterSidecar;
  let gatewayAdmin: string;
  let gatewayPort: number;
  const apps: EchoServer[] = [];
  /** West's api's access records (its inbound listener's), as west's NATS carries them. */
  const records: AccessRecord[] = [];

  const from = (caller: ClusterSidecar, host: string, path: string): Promise<HttpResult> =>
    http(`${caller.outbound}${path}`, { headers: { host } });

  beforeAll(async () => {
    const stateDir = await scratchDir('weft-mc-ew-');
    topology = await NetTopology.create(['east', 'west']);
    credentials = await MeshCredentials.create(stateDir);
    const ca = await sharedRootCa(stateDir, ['east', 'west']);
    east = await MeshCluster.start(
      'east',
      topology.host('east'),
      credentials,
      stateDir,
      FAST_TIMING,
    );
    const natsLink = await topology.link('west', 'east', east.leafPort);
    west = await MeshCluster.start(
      'west',
      topology.host('west'),
      credentials,
      stateDir,
      FAST_TIMING,
      [`${natsLink.address}:${natsLink.port}`],
    );
    await west.linked();
    // East's proxies reach west's gateway over a link of their own.
    gatewayPort = await freePort();
    const gatewayLink = await topology.link('east', 'west', gatewayPort);
    const clustersetEnv = { WEFT_CLUSTERSET_INTERVAL_MS: '500' };
    await Promise.all([
      east.startControlPlane({ ...clustersetEnv, ...ca.east }),
      west.startControlPlane({
        ...clustersetEnv,
        ...ca.west,
        WEFT_EASTWEST_GATEWAY: `${gatewayLink.address}:${gatewayLink.port}`,
      }),
    ]);
    gatewayAdmin = await west.startEastWestGateway(gatewayPort);
    const [apiApp, catalogApp, webApp, batchApp] = await Promise.all([
      new EchoServer('api-west').start(0, west.host.testAddress),
      new EchoServer('catalog-west').start(0, west.host.testAddress),
      new EchoServer('web-east').start(0, east.host.testAddress),
      new EchoServer('batch-east').start(0, east.host.testAddress),
    ]);
    apps.push(apiApp, catalogApp, webApp, batchApp);
    [, , web, batch] = await Promise.all([
      west.startSidecar('api', 'shop', 'api-w1', apiApp.port),
      west.startSidecar('catalog', 'shop', 'catalog-w1', catalogApp.port),
      east.startSidecar('web', 'shop', 'web-e1', webApp.port),
      east.startSidecar('batch', 'shop', 'batch-e1', batchApp.port),
    ]);
    const nc = await credentials.connect(west.testNatsUrl, { role: 'cli-read', name: 'observer' });
    nc.subscribe(new Subjects().accessLog('shop', 'api'), {
      callback: (_err, msg) => {
        const record = msg.json<AccessRecord>();
        if (record.listener.startsWith('inbound')) records.push(record);
      },
    });
    await nc.flush();
    afterAllClose.push(() => nc.close());
  });

  const afterAllClose: (() => Promise<void>)[] = [];

  afterAll(async () => {
    await Promise.allSettled(afterAllClose.map((close) => close()));
    const clusters = [east, west].filter(Boolean);
    await Promise.allSettled(clusters.map((c) => c.stop()));
    await Promise.allSettled(apps.map((a) => a.stop()));
    await agent.close().catch(() => undefined);
    await topology?.remove();
  });

  it("east's web calls west's exported api over HTTP through west's east-west gateway, and api sees web's own SPIFFE ID", async () => {
    // Not exported: east knows no such Service.
    expect((await from(web, CLUSTERSET_HOST, '/v1/x')).status).toBe(404);

    await west.applyOk(EXPORT_API);
    const res = await waitFor(
      "east's HTTP call to west's api",
      async () => {
        const r = await from(web, CLUSTERSET_HOST, '/v1/over-http');
        return r.status === 200 ? r : undefined;
      },
      30_000,
    );
    expect(res.headers['x-echo-name']).toBe('api-west');
    // Its local name answers the same: one endpoint set, west's instance in it through the gateway.
    expect((await from(web, 'api.shop', '/v1/local-name')).headers['x-echo-name']).toBe('api-west');

    // Over HTTP, through the gateway (no transport: bus here): it routed the connection by SNI.
    expect(await gatewayConnections(gatewayAdmin, 'routed')).toBeGreaterThan(0);
    // West's api verified east's web's certificate itself: the gateway terminated no TLS.
    const record = await waitFor("west api's access record of the call", () =>
      records.find((r) => r.path === '/v1/over-http'),
    );
    expect(record).toMatchObject({
      status: 200,
      sourcePrincipal: 'spiffe://cluster.local/ns/shop/sa/web',
    });
  });

  it("west's AuthorizationPolicy admits east's web and refuses east's batch, by their certificates", async () => {
    await west.converged(await west.applyOk(ONLY_WEB), ['api-w1']);
    expect((await from(web, CLUSTERSET_HOST, '/v1/allowed')).status).toBe(200);
    const denied = await from(batch, CLUSTERSET_HOST, '/v1/denied');
    expect(denied.status).toBe(403);
    expect((JSON.parse(denied.body) as { error: string }).error).toBe('rbac_denied');
    const record = await waitFor("west api's record of batch's refused call", () =>
      records.find((r) => r.path === '/v1/denied'),
    );
    expect(record).toMatchObject({
      status: 403,
      sourcePrincipal: 'spiffe://cluster.local/ns/shop/sa/batch',
    });
  });

  it('refuses at the gateway a Service west does not export: nothing reaches its instance', async () => {
    const before = await gatewayConnections(gatewayAdmin, 'not_exported');
    const sni = eastWestSni({
      instanceId: 'catalog-w1',
      service: 'catalog',
      namespace: 'shop',
      cluster: 'west',
    });
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({
        host: west.host.address,
        port: gatewayPort,
        servername: sni,
        rejectUnauthorized: false,
      });
      socket.once('secureConnect', () => resolve('handshake completed'));
      socket.once('error', (err: Error) => resolve(`refused: ${err.message}`));
      socket.once('close', () => resolve('refused: closed'));
    });
    expect(outcome).toMatch(/^refused/);
    expect(await gatewayConnections(gatewayAdmin, 'not_exported')).toBe(before + 1);
  });

  it("fails over from east's own api to west's through the gateway with no failed request while a client sends, and returns", async () => {
    const apiEastApp = await new EchoServer('api-east').start(0, east.host.testAddress);
    apps.push(apiEastApp);
    const startLocal = () => east.startSidecar('api', 'shop', 'api-e1', apiEastApp.port);
    let local = await startLocal();
    await east.converged(await east.applyOk(API_LOCAL_FIRST), ['web-e1']);

    const answers: { status: number; name: string }[] = [];
    let sending = true;
    const client = (async () => {
      while (sending) {
        const res = await from(web, 'api.shop', '/v1/failover');
        answers.push({ status: res.status, name: String(res.headers['x-echo-name']) });
      }
    })();
    const settledOn = (name: string) =>
      waitFor(
        `${SETTLED} answers in a row from ${name}`,
        () => {
          const last = answers.slice(-SETTLED);
          return last.length === SETTLED && last.every((a) => a.name === name) ? true : undefined;
        },
        60_000,
      );
    let killedAt = -1;
    let restartedAt = -1;
    try {
      await settledOn('api-east');
      killedAt = answers.length;
      local.proc.signal('SIGKILL');
      await settledOn('api-west');
      restartedAt = answers.length;
      local = await startLocal();
      await settledOn('api-east');
    } finally {
      sending = false;
      await client;
    }
    const failed = answers.filter((a) => a.status !== 200);
    process.stderr.write(
      `[multi-cluster-eastwest] ${answers.length} requests during the kill and the return, ${failed.length} failed\n`,
    );
    expect(failed).toEqual([]);
    // West's answers came only once east's own instance was gone, through the gateway.
    expect(answers.slice(0, killedAt).every((a) => a.name === 'api-east')).toBe(true);
    expect(answers.slice(killedAt, restartedAt).some((a) => a.name === 'api-west')).toBe(true);
    await local.proc.stop(5_000);
  }, 240_000);
});
