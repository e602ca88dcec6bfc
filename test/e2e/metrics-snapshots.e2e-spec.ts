// Golden-signal snapshots on the bus: requests through two sidecars come back as edge counts,
// failures and latency buckets equal to what was sent, from both the caller's and the callee's proxy.
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeMessage, MetricsSnapshot, type EdgeStats } from '@app/protocol';
import { http } from '../support/admin-client.js';
import { EchoServer, type EchoReply } from '../support/echo-server.js';
import { peerAuthentication, serviceRoute } from '../support/manifests.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { sleep, waitFor } from '../support/wait-for.js';

const INTERVAL_MS = 300;

// api's inbound is also called without a sidecar (an unknown caller): it takes plaintext too.
const ROUTE = `${serviceRoute('api-route', 'api')}\n---\n${peerAuthentication('api', 'PERMISSIVE')}`;

/** Edge totals over every snapshot one proxy sent, keyed by direction|source|destination|route. */
type Totals = Map<string, { requests: number; failures: number; buckets: number }>;

describe('golden-signal snapshots', () => {
  let mesh: Mesh;
  let nc: NatsConnection;
  const apps: EchoServer[] = [];
  let web: Sidecar;
  let api: Sidecar;
  const totals = new Map<string, Totals>();
  const invalid: string[] = [];

  beforeAll(async () => {
    mesh = await Mesh.start();
    // What a `weft` user with read rights sees.
    nc = await mesh.natsClient({ role: 'cli-read', name: 'observer' });
    nc.subscribe('weft.v1.telemetry.metrics.>', {
      callback: (_err, msg) => {
        const decoded = decodeMessage(MetricsSnapshot, msg.data, msg.subject);
        if (!decoded.ok) return void invalid.push(JSON.stringify(decoded.errors));
        const byEdge: Totals = totals.get(decoded.value.proxyId) ?? (new Map() as Totals);
        totals.set(decoded.value.proxyId, byEdge);
        for (const edge of decoded.value.edges) add(byEdge, edge);
      },
    });
    await nc.flush();
    await mesh.startControlPlane();
    const [webApp, apiApp] = await Promise.all([
      new EchoServer('web').start(),
      new EchoServer('api').start(),
    ]);
    apps.push(webApp, apiApp);
    const env = { WEFT_TELEMETRY_INTERVAL_MS: String(INTERVAL_MS) };
    [web, api] = await Promise.all([
      mesh.startSidecar({ service: 'web', instanceId: 'web-1', appPort: webApp.port, env }),
      mesh.startSidecar({ service: 'api', instanceId: 'api-1', appPort: apiApp.port, env }),
    ]);
    await waitFor('api endpoints', async () =>
      (await mesh.endpointIds('api')).length === 1 ? true : undefined,
    );
    await mesh.converged(await mesh.applyOk(ROUTE), ['web-1', 'api-1']);
  });

  afterAll(async () => {
    await nc?.close();
    await Promise.all(apps.map((s) => s.stop()));
    await mesh.stop();
  });

  function add(byEdge: Totals, edge: EdgeStats): void {
    const key = `${edge.direction}|${edge.source}|${edge.destination}|${edge.route ?? ''}`;
    const sum = byEdge.get(key) ?? { requests: 0, failures: 0, buckets: 0 };
    sum.requests += edge.requests;
    sum.failures += edge.failures;
    sum.buckets += edge.latencyBuckets.reduce((a, b) => a + b, 0);
    byEdge.set(key, sum);
  }

  it('counts every request on both sidecars, with its failures and latency buckets', async () => {
    const sent = { ok: 12, failed: 3, unrouted: 2 };
    for (let i = 0; i < sent.ok; i++) {
      // The app claims to be someone else: the mesh names the caller itself.
      const res = await http(`${web.outbound}/hello`, {
        headers: { host: 'api', 'x-weft-caller': 'default/admin' },
      });
      expect(res.status).toBe(200);
      expect((JSON.parse(res.body) as EchoReply).headers['x-weft-caller']).toBeUndefined();
    }
    for (let i = 0; i < sent.failed; i++) {
      expect((await http(`${web.outbound}/status/503`, { headers: { host: 'api' } })).status).toBe(
        503,
      );
    }
    for (let i = 0; i < sent.unrouted; i++) {
      expect((await http(`${web.outbound}/`, { headers: { host: 'nowhere' } })).status).toBe(404);
    }
    const routed = sent.ok + sent.failed;
    const outbound = 'outbound|default/web|default/api|default/api-route';
    const inbound = 'inbound|default/web|default/api|';
    await waitFor(
      'both sidecars to report every request',
      () =>
        totals.get('web-1')?.get(outbound)?.requests === routed &&
        totals.get('api-1')?.get(inbound)?.requests === routed
          ? true
          : undefined,
      10_000,
    );
    // A few more windows: nothing is counted twice.
    await sleep(3 * INTERVAL_MS);
    expect(totals.get('web-1')!.get(outbound)).toEqual({
      requests: routed,
      failures: sent.failed,
      buckets: routed,
    });
    expect(totals.get('web-1')!.get('outbound|default/web|unknown|')).toEqual({
      requests: sent.unrouted,
      failures: 0,
      buckets: sent.unrouted,
    });
    expect(totals.get('api-1')!.get(inbound)).toEqual({
      requests: routed,
      failures: sent.failed,
      buckets: routed,
    });
    expect([...totals.get('api-1')!.keys()]).toEqual([inbound]);
    expect(invalid).toEqual([]);
  });

  it('counts a caller without a sidecar as unknown', async () => {
    const res = await http(`http://127.0.0.1:${api.inboundPort}/direct`, {
      headers: { 'x-weft-caller': 'not a service' },
    });
    expect(res.status).toBe(200);
    await waitFor('the unknown caller in api-1 snapshots', () =>
      totals.get('api-1')?.get('inbound|unknown|default/api|')?.requests === 1 ? true : undefined,
    );
  });
});
