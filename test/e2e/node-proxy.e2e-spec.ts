// Proxy per node (WEFT_MODE=node): one proxy serves several local workloads, each registered with
// its own Service, labels and identity, and calls out as that identity through the workload's own
// outbound listener; SIGKILL of one node's proxy takes out that node's instances and nothing else.
import type { AccessRecord } from '@app/dataplane';
import { http } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { versionServices } from '../support/manifests.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { sleep, waitFor } from '../support/wait-for.js';

const SERVICES = `${versionServices('api', ['v1', 'v2'])}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web }
spec:
  parentRefs: [{ group: '', kind: Service, name: web }]
  rules:
    - backendRefs: [{ name: web }]
      retry: { codes: [502, 503], attempts: 2 }
`;

interface Node {
  readonly proxy: Sidecar;
  readonly apps: EchoServer[];
  /** The web workload's own outbound listener (its calls present web's identity). */
  readonly webOutbound: string;
}

describe('proxy per node', () => {
  let mesh: Mesh;
  const nodes: Record<'a' | 'b', Node> = {} as Record<'a' | 'b', Node>;

  /** A node: its proxy with two workloads, `api` (labelled with `version`) and `web`. */
  async function startNode(name: 'a' | 'b', version: string): Promise<Node> {
    const api = await new EchoServer(`api-${name}`).start();
    const web = await new EchoServer(`web-${name}`).start();
    const webOutboundPort = await freePort();
    const workloads = [
      { service: 'api', instanceId: `api-${name}`, labels: { version }, appPort: api.port },
      {
        service: 'web',
        instanceId: `web-${name}`,
        appPort: web.port,
        outboundPort: webOutboundPort,
      },
    ];
    const proxy = await mesh.startSidecar({
      service: '',
      instanceId: `node-${name}`,
      appPort: 0,
      env: { WEFT_MODE: 'node', WEFT_WORKLOADS: JSON.stringify(workloads), WEFT_APP_PORT: '' },
    });
    return { proxy, apps: [api, web], webOutbound: `http://127.0.0.1:${webOutboundPort}` };
  }

  const endpointsOf = async (): Promise<Record<string, string[]>> => ({
    api: await mesh.endpointIds('api'),
    'api-v1': await mesh.endpointIds('api-v1'),
    'api-v2': await mesh.endpointIds('api-v2'),
    web: await mesh.endpointIds('web'),
  });

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    await mesh.leader();
    await mesh.applyOk(SERVICES);
    nodes.a = await startNode('a', 'v1');
    nodes.b = await startNode('b', 'v2');
  });

  afterAll(async () => {
    await mesh.stop();
    await Promise.all(Object.values(nodes).flatMap((n) => n.apps.map((a) => a.stop())));
  });

  it('registers every workload with its own service, labels and identity', async () => {
    await waitFor('all four instances in their endpoint sets', async () => {
      const got = await endpointsOf();
      const want = {
        api: ['api-a', 'api-b'],
        'api-v1': ['api-a'],
        'api-v2': ['api-b'],
        web: ['web-a', 'web-b'],
      };
      return JSON.stringify(got) === JSON.stringify(want) ? got : undefined;
    });
    // Node a's shared outbound reaches node b's workloads on their own inbound listeners, and
    // the labels pick the right one.
    const a = nodes.a.proxy.outbound;
    const v2 = await waitFor('node a routes to api-v2', async () => {
      const res = await http(`${a}/x`, { headers: { host: 'api-v2' } });
      return res.status === 200 ? res : undefined;
    });
    expect(v2.headers['x-echo-name']).toBe('api-b');
    const v1 = await http(`${nodes.b.proxy.outbound}/x`, { headers: { host: 'api-v1' } });
    expect([v1.status, v1.headers['x-echo-name']]).toEqual([200, 'api-a']);
  });

  it("publishes each workload's access log records on its own Service's subject", async () => {
    const nc = await mesh.natsClient({ role: 'cli-read', name: 'observer' });
    const seen: { subject: string; record: AccessRecord }[] = [];
    nc.subscribe('weft.v1.telemetry.access.>', {
      callback: (_err, msg) => {
        seen.push({ subject: msg.subject, record: msg.json<AccessRecord>() });
      },
    });
    await nc.flush();
    try {
      const res = await http(`${nodes.a.proxy.outbound}/logged`, { headers: { host: 'web' } });
      expect(res.status).toBe(200);
      const served = await waitFor('the inbound record of the web workload that answered', () =>
        seen.find((s) => s.record.path === '/logged' && s.record.listener.startsWith('inbound-')),
      );
      expect(served.subject).toBe('weft.v1.telemetry.access.default.web');
      expect(served.record.listener).toBe(`inbound-${String(res.headers['x-echo-name'])}`);
      // The shared outbound listener serves every workload: its records are the node's own. It
      // logs once its response has ended, after the inbound hop's.
      const sent = await waitFor('the outbound record', () =>
        seen.find((s) => s.record.path === '/logged' && s.record.listener === 'outbound'),
      );
      expect(sent.subject).toBe('weft.v1.telemetry.access.default.node');
    } finally {
      await nc.close();
    }
  });

  it("a workload's own outbound listener presents its identity: the callee sees web's SPIFFE ID, the shared one the node's", async () => {
    const nc = await mesh.natsClient({ role: 'cli-read', name: 'identity-observer' });
    const principals = new Map<string, string>();
    nc.subscribe('weft.v1.telemetry.access.default.api', {
      callback: (_err, msg) => {
        const record = msg.json<AccessRecord>();
        if (record.listener.startsWith('inbound-'))
          principals.set(record.path, record.sourcePrincipal);
      },
    });
    await nc.flush();
    try {
      // Node a's web calls api-v2 (on node b) through its own outbound, then through the shared one.
      const own = await http(`${nodes.a.webOutbound}/as-web`, { headers: { host: 'api-v2' } });
      expect([own.status, own.headers['x-echo-name']]).toEqual([200, 'api-b']);
      const shared = await http(`${nodes.a.proxy.outbound}/as-node`, {
        headers: { host: 'api-v2' },
      });
      expect([shared.status, shared.headers['x-echo-name']]).toEqual([200, 'api-b']);
      const seen = await waitFor("api-b's verified callers", () =>
        principals.has('/as-web') && principals.has('/as-node') ? principals : undefined,
      );
      expect(seen.get('/as-web')).toBe('spiffe://cluster.local/ns/default/sa/web');
      expect(seen.get('/as-node')).toBe('spiffe://cluster.local/ns/default/sa/node');
    } finally {
      await nc.close();
    }
  });

  it("a node proxy's SIGKILL removes that node's instances only; the other node keeps serving", async () => {
    const a = nodes.a.proxy.outbound;
    await waitFor('node a reaches both web instances', async () => {
      const seen = new Set<unknown>();
      for (let i = 0; i < 10; i++) {
        seen.add((await http(`${a}/`, { headers: { host: 'web' } })).headers['x-echo-name']);
      }
      return seen.size === 2 ? true : undefined;
    });

    // Load from node a: its own api (api-v1) and web, which had an instance on each node.
    const results: { host: string; status: number; name: unknown }[] = [];
    let running = true;
    const loop = async (host: string): Promise<void> => {
      while (running) {
        const res = await http(`${a}/`, { headers: { host } });
        results.push({ host, status: res.status, name: res.headers['x-echo-name'] });
      }
    };
    const loops = ['api-v1', 'api-v1', 'web', 'web'].map(loop);
    // Node a's instances must never leave their sets while node b goes.
    const watched: string[][] = [];
    const watch = (async () => {
      while (running) {
        watched.push([...(await mesh.endpointIds('api-v1')), ...(await mesh.endpointIds('web'))]);
        await sleep(50);
      }
    })();
    const answered = (host?: string): number =>
      results.filter((r) => host === undefined || r.host === host).length;
    await waitFor('load from node a', () => (answered() >= 20 ? true : undefined));
    nodes.b.proxy.proc.signal('SIGKILL');
    const atKill = answered();
    const after = await waitFor(
      "node b's instances gone from the endpoint sets",
      async () => {
        const got = await endpointsOf();
        return got.web.length === 1 && got.api.length === 1 ? got : undefined;
      },
      30_000,
    );
    // Requests through the whole change, and web's last ten after node b's instances left.
    const webAtRemoval = answered('web');
    await waitFor('answers after the kill and after the removal', () =>
      answered() >= atKill + 20 && answered('web') >= webAtRemoval + 10 ? true : undefined,
    );
    running = false;
    await Promise.all([...loops, watch]);

    expect(after).toEqual({ api: ['api-a'], 'api-v1': ['api-a'], 'api-v2': [], web: ['web-a'] });
    expect(watched.every((ids) => ids.includes('api-a') && ids.includes('web-a'))).toBe(true);
    // Every request from node a succeeded: its own workloads never stopped, and the retry policy
    // of `web` took the tries that met node b's dead proxy to web-a.
    const failed = results.filter((r) => r.status !== 200);
    expect(failed).toEqual([]);
    const lastWeb = results.filter((r) => r.host === 'web').slice(-10);
    expect(lastWeb.every((r) => r.name === 'web-a')).toBe(true);
  });
});
