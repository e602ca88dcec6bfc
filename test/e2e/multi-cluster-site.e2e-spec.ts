// A site (a VM, an edge location) joined to cluster west as a leaf node, in a network namespace that
// accepts no connection from the cluster: its server dials west's leaf-node listener, its sidecar
// (WEFT_SITE) reads west's config bucket across the link (WEFT_JETSTREAM_DOMAIN), is refused until a
// WorkloadGroup registers it, then calls into the mesh and is called over the bus, and each callee
// decides on the caller's identity (docs/multi-cluster.md).
import '../support/e2e-timeout.js';
import { spawn } from 'node:child_process';
import { agent, http, json, type HttpResult } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { FAST_TIMING } from '../support/mesh.js';
import { MeshCluster, type ClusterSidecar } from '../support/mesh-cluster.js';
import { MeshCredentials } from '../support/mesh-credentials.js';
import { NetTopology, type HostLink, type TopologyHost } from '../support/netns-topology.js';
import { scratchDir } from '../support/scratch-dir.js';
import { waitFor } from '../support/wait-for.js';

/** Both Services over the bus, each letting in only the other (and nobody else) on /v1. */
const MESH_CONFIG = ['api', 'kiosk']
  .map(
    (name, i, both) => `apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: ${name}-over-bus, namespace: shop }
spec:
  targetRefs: [{ kind: Service, name: ${name} }]
  transport: bus
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: ${name}-callers, namespace: shop }
spec:
  selector: { matchLabels: { app: ${name} } }
  action: ALLOW
  rules:
    - from: [{ source: { principals: [cluster.local/ns/shop/sa/${both[1 - i]}] } }]
      to: [{ operation: { paths: ["/v1/*"] } }]
`,
  )
  .join('---\n');

/** The registration of the site's workload: its identity at edge-1, with a label and a locality. */
const KIOSK_GROUP = `apiVersion: weft.dev/v1alpha1
kind: WorkloadGroup
metadata: { name: kiosk, namespace: shop }
spec:
  service: kiosk
  sites: [edge-1]
  labels: { version: v1 }
  locality: { region: edge }
`;

/** Prints whether a TCP connection to DIAL_HOST:DIAL_PORT opens (a dropped SYN never answers). */
const DIAL = `const s = require('node:net').connect(+process.env.DIAL_PORT, process.env.DIAL_HOST);
s.setTimeout(3000, () => { console.log('no answer'); process.exit(0); });
s.on('connect', () => { console.log('connected'); process.exit(0); });
s.on('error', (e) => { console.log(e.code); process.exit(0); });`;

/** Where the test itself runs, as a host. */
const TEST_SIDE: Pick<TopologyHost, 'spawn'> = {
  spawn: (command, args, env) =>
    spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }),
};

/** What a connection from `host` to `address:port` does: `connected`, `no answer` or an error code. */
async function dial(
  host: Pick<TopologyHost, 'spawn'>,
  address: string,
  port: string,
): Promise<string> {
  const child = host.spawn(process.execPath, ['-e', DIAL], { DIAL_HOST: address, DIAL_PORT: port });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((done) => child.on('exit', done));
  return out.trim();
}

/**
 * What west's caller gets from the site's Service: before any workload registered, its name is
 * unknown here (no Service resource names it); once one left, its set stays, empty, and no
 * instance answers its bus subject.
 */
const NEVER_REGISTERED = [404, 'no_route'];
const NO_LONGER_REGISTERED = [503, 'no_responders'];

/** Namespaces (and the site's firewall) are made only as root, unless loopback is asked for. */
const IN_NAMESPACES = process.getuid?.() === 0 && !process.env.WEFT_TOPOLOGY_LOOPBACK;

describe('multi-cluster: a site behind a leaf node', () => {
  let topology: NetTopology | undefined;
  let west: MeshCluster;
  let site: MeshCluster;
  let siteLink: HostLink;
  let api: ClusterSidecar;
  let web: ClusterSidecar;
  let kiosk: ClusterSidecar;
  const apps: EchoServer[] = [];

  const call = (from: ClusterSidecar, host: string, path: string): Promise<HttpResult> =>
    http(`${from.outbound}${path}`, { headers: { host } });

  beforeAll(async () => {
    const stateDir = await scratchDir('weft-mc-site-');
    topology = await NetTopology.create(['west', 'site']);
    const credentials = await MeshCredentials.create(stateDir);
    west = await MeshCluster.start(
      'west',
      topology.host('west'),
      credentials,
      stateDir,
      FAST_TIMING,
    );
    siteLink = await topology.link('site', 'west', west.leafPort, { outboundOnly: true });
    // The site's link user: what the workloads it runs exchange with west (--role site-link).
    const siteCredentials = await credentials.credsFile({
      role: 'site-link',
      workloads: [{ namespace: 'shop', service: 'kiosk', serviceAccount: 'kiosk' }],
    });
    site = await MeshCluster.startSite(
      'edge-1',
      topology.host('site'),
      credentials,
      stateDir,
      FAST_TIMING,
      `${siteLink.address}:${siteLink.port}`,
      siteCredentials,
    );
    await site.linked();
    await west.startControlPlane();
    const [apiApp, webApp, kioskApp] = await Promise.all([
      new EchoServer('api-west').start(0, west.host.testAddress),
      new EchoServer('web-west').start(0, west.host.testAddress),
      new EchoServer('kiosk-site').start(0, site.host.testAddress),
    ]);
    apps.push(apiApp, webApp, kioskApp);
    [api, web, kiosk] = await Promise.all([
      west.startSidecar('api', 'shop', 'api-w1', apiApp.port),
      west.startSidecar('web', 'shop', 'web-w1', webApp.port),
      // The site has no JetStream: its sidecar reads west's config bucket in west's domain.
      site.startSidecar('kiosk', 'shop', 'kiosk-s1', kioskApp.port, {
        WEFT_JETSTREAM_DOMAIN: 'west',
        WEFT_SITE: 'edge-1',
      }),
    ]);
    // West's control plane sees the site's sidecar take its config: an ACK of this revision.
    await west.converged(await west.applyOk(MESH_CONFIG), ['api-w1', 'web-w1', 'kiosk-s1']);
  });

  afterAll(async () => {
    const hosts = [site, west].filter(Boolean);
    for (const h of hosts) await h.stop().catch(() => undefined);
    await Promise.allSettled(apps.map((a) => a.stop()));
    await agent.close().catch(() => undefined);
    await topology?.remove();
  });

  (IN_NAMESPACES ? it : it.skip)(
    'accepts no connection from the cluster: only the link the site opened carries anything',
    async () => {
      expect(topology?.mode).toBe('netns');
      const port = new URL(site.natsUrl).port;
      // The site's server listens on every address: the test's side reaches it, west cannot.
      expect(await dial(topology!.host('west'), siteLink.fromAddress, port)).toBe('no answer');
      expect(await dial(TEST_SIDE, site.host.address, port)).toBe('connected');
    },
  );

  /** `weft_unregistered_workloads_total` on west's control plane. */
  const refusals = async (): Promise<number> => {
    const text = (await http(`${west.adminUrl}/metrics`)).body;
    return Number(/^weft_unregistered_workloads_total (\d+)/m.exec(text)?.[1] ?? 0);
  };

  const kioskEndpoints = async (): Promise<Record<string, unknown>[] | undefined> => {
    const { items } = await json<{
      items: { namespace: string; service: string; endpoints: Record<string, unknown>[] }[];
    }>(`${west.adminUrl}/v1/endpoints`);
    return items.find((s) => s.namespace === 'shop' && s.service === 'kiosk')?.endpoints;
  };

  it('refuses the site workload until a WorkloadGroup registers it, counting and logging at a bounded rate', async () => {
    // The site's sidecar heartbeats every 250 ms: wait for a good many refusals.
    await waitFor('west refusing kiosk-s1', async () =>
      (await refusals()) >= 12 ? true : undefined,
    );
    const controlPlane = west.processes.find((p) => p.name === 'control-plane-west')!;
    const lines = controlPlane
      .logs()
      .filter((l) => l.includes('workload outside any cluster refused'));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(5);
    expect(lines[0]).toContain(
      'no WorkloadGroup in namespace shop registers service kiosk (service account kiosk) at site edge-1',
    );
    expect(await kioskEndpoints()).toBeUndefined();
    expect((await json<{ items: unknown[] }>(`${west.adminUrl}/v1/workloads`)).items).toEqual([]);
    // Not in any endpoint set: its responder takes no bus call, and west's api has no such Service.
    const res = await call(api, 'kiosk.shop', '/v1/x');
    expect([res.status, (JSON.parse(res.body) as { error: string }).error]).toEqual(
      NEVER_REGISTERED,
    );
  });

  it('admits it once registered: its endpoint carries the site, the group labels and locality', async () => {
    await west.applyOk(KIOSK_GROUP);
    const endpoints = await waitFor('kiosk-s1 in its endpoint set', async () => {
      const e = await kioskEndpoints();
      return e?.length ? e : undefined;
    });
    expect(endpoints).toEqual([
      expect.objectContaining({
        instanceId: 'kiosk-s1',
        site: 'edge-1',
        region: 'edge',
        labels: { app: 'kiosk', version: 'v1' },
      }),
    ]);
    const { items } = await json<{ items: Record<string, unknown>[] }>(
      `${west.adminUrl}/v1/workloads`,
    );
    expect(items).toEqual([
      expect.objectContaining({
        instanceId: 'kiosk-s1',
        site: 'edge-1',
        group: 'kiosk',
        ready: true,
      }),
    ]);
  });

  /**
   * `caller`'s calls to `service` reach its app `app` on /v1; the callee refuses west's `web` there,
   * and `caller` on /v2: it decides on who calls, as its AuthorizationPolicy says.
   */
  const onlyCallerGetsIn = async (
    caller: ClusterSidecar,
    service: string,
    app: string,
  ): Promise<void> => {
    const res = await waitFor(`${caller.instanceId}'s call to ${service}`, async () => {
      const r = await call(caller, `${service}.shop`, '/v1/x');
      return r.status === 200 ? r : undefined;
    });
    expect(res.headers['x-echo-name']).toBe(app);
    const other = await call(web, `${service}.shop`, '/v1/x');
    expect([other.status, (JSON.parse(other.body) as { error: string }).error]).toEqual([
      403,
      'rbac_denied',
    ]);
    expect((await call(caller, `${service}.shop`, '/v2/x')).status).toBe(403);
  };

  it("calls into the mesh over the bus, and west's callee decides on the site's identity", async () => {
    await onlyCallerGetsIn(kiosk, 'api', 'api-west');
  });

  it("is called by the mesh over the bus, and the site's callee decides on the caller's identity", async () => {
    // The site's sidecar took its policy from west's bucket: only api gets in, on /v1.
    await onlyCallerGetsIn(api, 'kiosk', 'kiosk-site');
  });

  it('drops the site workload from its endpoint set when its WorkloadGroup is deleted', async () => {
    const res = await http(`${west.adminUrl}/v1/resources/WorkloadGroup/shop/kiosk`, {
      method: 'DELETE',
    });
    expect(res.status).toBe(200);
    await waitFor('kiosk-s1 out of its endpoint set', async () =>
      (await kioskEndpoints())?.length === 0 ? true : undefined,
    );
    expect((await json<{ items: unknown[] }>(`${west.adminUrl}/v1/workloads`)).items).toEqual([]);
    const answer = await waitFor("api's call refused again", async () => {
      const r = await call(api, 'kiosk.shop', '/v1/x');
      return r.status === 200 ? undefined : r;
    });
    expect([answer.status, (JSON.parse(answer.body) as { error: string }).error]).toEqual(
      NO_LONGER_REGISTERED,
    );
  });
});
