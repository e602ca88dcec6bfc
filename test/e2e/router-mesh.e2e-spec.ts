// Router mesh (WEFT_MODE=router): Services without sidecars reached through routers. Three routers
// answer the bus in one queue group; SIGKILL of one under load loses no request the caller's route
// retried. A replica set (WEFT_ROUTER_REPLICAS) shares one HTTP port and outlives a replica's death.
import { Agent, request } from 'undici';
import { http } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { Mesh, type Router, type Sidecar } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';

/** `api` has no sidecar: two static endpoints, reached over the bus, retried per its route. */
const CONFIG = (ports: number[]): string => `
apiVersion: weft.dev/v1alpha1
kind: ExternalService
metadata: { name: api }
spec:
  endpoints: [${ports.map((p) => `{ address: 127.0.0.1, port: ${p} }`).join(', ')}]
---
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: api-over-bus }
spec:
  targetRefs: [{ kind: Service, name: api }]
  transport: bus
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: api }
spec:
  parentRefs: [{ group: '', kind: Service, name: api }]
  rules:
    - backendRefs: [{ name: api }]
      retry: { codes: [502, 503], attempts: 3, backoff: 10ms }
`;

/** The sum of a Prometheus series' samples whose labels contain every `labels` pair. */
async function metric(adminPort: number, name: string, labels: string[] = []): Promise<number> {
  const { body } = await http(`http://127.0.0.1:${adminPort}/metrics`);
  return body
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && labels.every((pair) => l.includes(pair)))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

const answered = (port: number) => metric(port, 'weft_bus_exchanges_total', ['role="responder"']);

interface Outcome {
  status: number;
  clientRetries: number;
}

/** How long a step under load may take before it counts as hung. */
const HANG_MS = 30_000;

describe('router mesh', () => {
  let mesh: Mesh;
  let caller: Sidecar;
  const routers: Router[] = [];
  const apps: EchoServer[] = [];

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    await mesh.leader();
    apps.push(await new EchoServer('api-1').start(), await new EchoServer('api-2').start());
    const revision = await mesh.applyOk(CONFIG(apps.map((a) => a.port)));
    for (const name of ['r1', 'r2', 'r3']) {
      const port = String(await freePort());
      routers.push(await mesh.startRouter(name, { WEFT_MODE: 'router', WEFT_LISTEN_PORT: port }));
    }
    // The calling side: a node proxy's shared outbound listener (no workloads of its own).
    caller = await mesh.startSidecar({
      service: '',
      instanceId: 'client',
      appPort: 0,
      env: { WEFT_MODE: 'node', WEFT_APP_PORT: '' },
    });
    await mesh.converged(revision, ['r1', 'r2', 'r3', 'client']);
  });

  afterAll(async () => {
    await mesh.stop();
    await Promise.all(apps.map((a) => a.stop()));
  });

  it('three routers share the bus traffic; SIGKILL of one under load loses no request', async () => {
    const ok = await waitFor('api answers over the bus', async () => {
      const res = await http(`${caller.outbound}/x`, { headers: { host: 'api' } });
      return res.status === 200 ? res : undefined;
    });
    expect(ok.headers['x-echo-name']).toMatch(/^api-[12]$/);

    const outcomes: Outcome[] = [];
    let running = true;
    const loop = async (): Promise<void> => {
      while (running) {
        const res = await http(`${caller.outbound}/slow?ms=40`, { headers: { host: 'api' } });
        outcomes.push({ status: res.status, clientRetries: 0 });
      }
    };
    const loops = Array.from({ length: 9 }, loop);
    // NATS spreads the exchanges over all three (a queue group picks a member at random).
    const before = await waitFor(
      'each router to answer more than 10 exchanges',
      async () => {
        const counts = await Promise.all(routers.map((r) => answered(r.adminPort)));
        return counts.every((n) => n > 10) ? counts : undefined;
      },
      HANG_MS,
    );
    // Killed while it holds exchanges: those the caller's route must retry on another router.
    const holding = () =>
      metric(routers[1].adminPort, 'weft_bus_inflight_exchanges', ['role="responder"']);
    await waitFor(
      'r2 to hold an exchange',
      async () => ((await holding()) > 0 ? true : undefined),
      HANG_MS,
      5,
    );
    routers[1].proc.signal('SIGKILL');
    const atKill = outcomes.length;
    await waitFor(
      '50 answers after the kill',
      () => (outcomes.length >= atKill + 50 ? true : undefined),
      HANG_MS,
    );
    running = false;
    await Promise.all(loops);

    expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
    // Exchanges in flight on r2 when it died were retried by the caller's route (to r1 or r3).
    expect(await metric(caller.adminPort, 'weft_upstream_retries_total')).toBeGreaterThan(0);
    const after = await Promise.all([routers[0], routers[2]].map((r) => answered(r.adminPort)));
    expect(after[0] > before[0] && after[1] > before[2]).toBe(true);
  });

  it('a replica set shares one HTTP port; a SIGKILLed replica is replaced, clients retrying lose nothing', async () => {
    const listen = await freePort();
    const set = await mesh.startRouter('rs', {
      WEFT_MODE: 'router',
      WEFT_LISTEN_PORT: String(listen),
      WEFT_ROUTER_REPLICAS: '2',
    });
    const replicaAdmin = [set.adminPort, set.adminPort + 1];
    // Two Node processes booting Nest at once on a loaded 2-core machine: give them time.
    await waitFor(
      'both replicas ready',
      async () => {
        const ready = await Promise.all(
          replicaAdmin.map((p) => http(`http://127.0.0.1:${p}/readyz`).catch(() => undefined)),
        );
        return ready.every((r) => r?.status === 200) ? true : undefined;
      },
      30_000,
    );
    const pidOf = (instanceId: string): number[] =>
      set.proc
        .logs()
        .filter((l) => l.includes('"router started"') && l.includes(`"instanceId":"${instanceId}"`))
        .map((l) => (JSON.parse(l) as { pid: number }).pid);
    const url = `http://127.0.0.1:${listen}/slow?ms=20`;

    // A plain client's policy: keep-alive connections, a 2 s timeout, and up to two retries of an
    // idempotent request whose connection dropped or timed out. (A connection the primary was
    // handing to the replica at the moment it died is never answered: Node's cluster round robin.)
    const client = new Agent({ headersTimeout: 2_000, bodyTimeout: 2_000, connections: 16 });
    const call = async (): Promise<Outcome> => {
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await request(url, { dispatcher: client, headers: { host: 'api' } });
          await res.body.dump();
          return { status: res.statusCode, clientRetries: attempt };
        } catch (err) {
          if (attempt >= 2) throw err;
        }
      }
    };
    const outcomes: Outcome[] = [];
    let running = true;
    const loops = Array.from({ length: 8 }, async () => {
      while (running) outcomes.push(await call());
    });
    // The primary hands connections to both replicas in turn.
    await waitFor(
      'both replicas to serve',
      async () => {
        const counts = await Promise.all(
          replicaAdmin.map((p) => metric(p, 'http_client_request_duration_count')),
        );
        return counts.every((n) => n > 0) ? true : undefined;
      },
      HANG_MS,
    );
    const [victim] = pidOf('rs-1');
    process.kill(victim, 'SIGKILL');
    // A replica boots Nest again: on a loaded 2-core machine that alone can take 15 s.
    await waitFor(
      'the primary starts replica 1 again',
      () => (pidOf('rs-1').length === 2 ? true : undefined),
      HANG_MS,
    );
    const atRestart = outcomes.length;
    await waitFor(
      '20 answers after the restart',
      () => (outcomes.length >= atRestart + 20 ? true : undefined),
      HANG_MS,
    );
    running = false;
    await Promise.all(loops);

    expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
    // The requests the client had to send again are those in flight on the replica that died.
    const resent = outcomes.filter((o) => o.clientRetries > 0).length;
    expect(resent).toBeLessThanOrEqual(8);
    const after = await http(`http://127.0.0.1:${replicaAdmin[1]}/readyz`);
    expect(after.status).toBe(200);
    expect(set.proc.running).toBe(true);
    await client.close();
  });
});
