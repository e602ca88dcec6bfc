// Full mesh, lifecycle: control plane and NATS outages, cold start from disk, SIGKILL expiry, SIGTERM drain.
import { EchoServer } from '../support/echo-server.js';
import { http } from '../support/admin-client.js';
import { freePort } from '../support/free-port.js';
import { versionServices } from '../support/manifests.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';

const CANARY = (header: string, target: string): string => `${versionServices('b', ['v1', target])}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: b-canary }
spec:
  parentRefs: [{ kind: Service, name: b }]
  rules:
    - matches: [{ headers: [{ name: ${header}, value: "1" }] }]
      backendRefs: [{ name: b-${target} }]
    - backendRefs: [{ name: b-v1 }]
`;

describe('full mesh: lifecycle and failures', () => {
  let mesh: Mesh;
  const apps = new Map<string, EchoServer>();
  const sidecars = new Map<string, Sidecar>();

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    for (const name of ['a', 'b1', 'b2', 'b3']) apps.set(name, await new EchoServer(name).start());
    const started = await Promise.all([
      mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: apps.get('a')!.port }),
      ...['b1', 'b2', 'b3'].map((id, i) =>
        mesh.startSidecar({
          service: 'b',
          instanceId: id,
          appPort: apps.get(id)!.port,
          labels: `version=v${i + 1}`,
        }),
      ),
    ]);
    for (const s of started) sidecars.set(s.instanceId, s);
    await waitFor('three b endpoints', async () =>
      (await mesh.endpointIds('b')).length === 3 ? true : undefined,
    );
  });

  afterAll(async () => {
    await Promise.all([...apps.values()].map((s) => s.stop()));
    await mesh.stop();
  });

  const call = (via: Sidecar, headers: Record<string, string> = {}, method = 'GET') =>
    http(`${via.outbound}/`, {
      method,
      headers: { host: 'b', ...headers },
      body: method === 'POST' ? 'payload' : undefined,
    });

  const answeredBy = async (
    via: Sidecar,
    headers: Record<string, string> = {},
  ): Promise<string> => {
    const res = await call(via, headers);
    expect(res.status).toBe(200);
    return String(res.headers['x-echo-name']);
  };

  it('keeps routing while the control plane is down; a sidecar started meanwhile gets config from KV', async () => {
    const revision = await mesh.applyOk(CANARY('x-canary', 'v2'));
    await mesh.converged(revision, ['a1', 'b1', 'b2', 'b3']);
    const a1 = sidecars.get('a1')!;
    expect(await answeredBy(a1, { 'x-canary': '1' })).toBe('b2');

    await mesh.controlPlane().proc.stop();
    for (let i = 0; i < 20; i++) {
      expect(await answeredBy(a1)).toBe('b1');
      expect(await answeredBy(a1, { 'x-canary': '1' })).toBe('b2');
    }
    const late = await mesh.startSidecar({
      service: 'c',
      instanceId: 'c1',
      appPort: apps.get('a')!.port,
    });
    sidecars.set('c1', late);
    expect(await answeredBy(late, { 'x-canary': '1' })).toBe('b2');
    expect(await answeredBy(late)).toBe('b1');

    // A new control plane takes over the stored config, the live instances and every proxy's status.
    await mesh.startControlPlane();
    await mesh.converged(revision, ['a1', 'b1', 'b2', 'b3', 'c1']);
    expect(await mesh.endpointIds('b')).toEqual(['b1', 'b2', 'b3']);
  });

  it('keeps serving through a nats-server restart, then picks up a change applied after it', async () => {
    const a1 = sidecars.get('a1')!;
    const load = steadyLoad(() => call(a1));
    await load.served(20, 'requests before the restart');
    const atRestart = load.ok;
    await mesh.nats.restart();
    // Served while nats-server was stopped and starting again.
    const duringRestart = load.ok - atRestart;
    await load.served(20, 'requests after the restart');
    const { failed } = await load.stop();
    expect(failed).toEqual([]);
    expect(duringRestart).toBeGreaterThan(0);

    const revision = await waitFor(
      'apply after the restart',
      async () => {
        const res = await mesh.apply(CANARY('x-next', 'v3'));
        return res.status === 200
          ? (JSON.parse(res.body) as { revision: number }).revision
          : undefined;
      },
      20_000,
      250,
    );
    await mesh.converged(revision, ['a1', 'b1', 'b2', 'b3', 'c1'], 15_000);
    expect(await answeredBy(a1, { 'x-next': '1' })).toBe('b3');
    expect(await answeredBy(a1, { 'x-canary': '1' })).toBe('b1');
  });

  it('starts from its last good config on disk when NATS is unreachable', async () => {
    const deadNats = `nats://127.0.0.1:${await freePort()}`;
    const cut = await mesh.startSidecar({
      service: 'a',
      instanceId: 'a2',
      appPort: apps.get('a')!.port,
      natsUrl: deadNats,
    });
    expect(await answeredBy(cut, { 'x-next': '1' })).toBe('b3');
    expect(await answeredBy(cut)).toBe('b1');
    await cut.proc.stop();
  });

  it('removes a SIGKILLed instance from endpoints when its heartbeats stop; callers route around it', async () => {
    const res = await http(`${mesh.controlPlane().url}/v1/resources/httproute/default/b-canary`, {
      method: 'DELETE',
    });
    expect(res.status).toBe(200);
    await mesh.converged((JSON.parse(res.body) as { revision: number }).revision, ['a1']);
    const a1 = sidecars.get('a1')!;
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await answeredBy(a1));
    expect([...seen].sort()).toEqual(['b1', 'b2', 'b3']);

    const victim = sidecars.get('b3')!;
    victim.proc.signal('SIGKILL');
    await victim.proc.exited;
    // Before the control plane notices, a1 meets a refused connection and retries elsewhere.
    for (let i = 0; i < 12; i++) expect(['b1', 'b2']).toContain(await answeredBy(a1));
    await waitFor('b3 to leave the endpoints', async () =>
      !(await mesh.endpointIds('b')).includes('b3') ? true : undefined,
    );
    // The secure mesh's control plane holds the system account: the disconnect advisory told it,
    // long before the heartbeat TTL would have (crash-detection tests both paths).
    expect(await mesh.removalReason('b3')).toBe('instance connection closed');
  });

  it('drains on SIGTERM with zero failed requests while a client sends throughout', async () => {
    const a1 = sidecars.get('a1')!;
    const draining = sidecars.get('b2')!;
    let sent = 0;
    // Alternate GET and POST: a POST is never retried, so it fails if the drain drops anything.
    const load = steadyLoad(() => call(a1, {}, sent++ % 2 === 0 ? 'POST' : 'GET'));
    await load.served(20, 'requests before the drain');
    draining.proc.signal('SIGTERM');
    const atSignal = load.ok;
    expect(await draining.proc.exited).toBe(0);
    // Served while b2 drained (WEFT_DRAIN_GRACE_MS and its requests in flight).
    const duringDrain = load.ok - atSignal;
    await load.served(20, 'requests after b2 left');
    const { failed } = await load.stop();
    expect(failed).toEqual([]);
    expect(duringDrain).toBeGreaterThan(0);
    expect(await mesh.endpointIds('b')).toEqual(['b1']);
  });
});

/** Four clients sending requests back to back until `stop()`; every non-200 is recorded. */
function steadyLoad(send: () => Promise<{ status: number; body: string }>) {
  let running = true;
  let ok = 0;
  const failed: string[] = [];
  const worker = async (): Promise<void> => {
    while (running) {
      try {
        const res = await send();
        if (res.status === 200) ok++;
        else failed.push(`${res.status} ${res.body}`);
      } catch (err) {
        failed.push((err as Error).message);
      }
    }
  };
  const workers = Promise.all([worker(), worker(), worker(), worker()]);
  return {
    /** Requests answered 200 so far. */
    get ok(): number {
      return ok;
    },
    /** Resolves once `count` more requests have been answered 200. */
    served(count: number, what: string): Promise<true> {
      const from = ok;
      return waitFor(what, () => (ok >= from + count ? true : undefined));
    },
    async stop(): Promise<{ ok: number; failed: string[] }> {
      running = false;
      await workers;
      return { ok, failed };
    },
  };
}
