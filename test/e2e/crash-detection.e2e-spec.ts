// Sub-second crash detection: with a NATS system-account user, the control plane removes a
// SIGKILLed sidecar's instance from the server's disconnect advisory, long before the heartbeat TTL.
import type { NatsConnection } from '@nats-io/transport-node';
import { http, json } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { Mesh, type MeshTiming, type Sidecar } from '../support/mesh.js';
import { sleep, waitFor } from '../support/wait-for.js';

// A heartbeat TTL of 2 min, four times what the waits below allow: an instance gone within them
// went on its disconnect advisory, never on missed heartbeats, and the control plane's log says
// which. How fast it goes (tens of milliseconds) is bench:kill's to measure, not a test's.
const TIMING: MeshTiming = { heartbeatMs: 1_000, misses: 120, drainGraceMs: 500 };
const GONE_WITHIN_MS = 30_000;

describe('crash detection from NATS client disconnect advisories', () => {
  let mesh: Mesh;
  let caller: Sidecar;
  let sys: NatsConnection;
  const apps: EchoServer[] = [];

  beforeAll(async () => {
    // A secure mesh: the control plane follows advisories as the generated system user.
    mesh = await Mesh.start(TIMING);
    await mesh.startControlPlane();
    await waitFor('control plane follows disconnect advisories', () =>
      mesh
        .controlPlane()
        .proc.logs()
        .some((l) => l.includes('following client disconnect advisories'))
        ? true
        : undefined,
    );
    const app = await new EchoServer('a').start();
    apps.push(app);
    caller = await mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: app.port });
    sys = await mesh.systemClient();
  });

  afterAll(async () => {
    await sys?.close();
    await Promise.all(apps.map((a) => a.stop()));
    await mesh.stop();
  });

  async function startC(instanceId: string): Promise<Sidecar> {
    const app = await new EchoServer(instanceId).start();
    apps.push(app);
    const sidecar = await mesh.startSidecar({ service: 'c', instanceId, appPort: app.port });
    await waitFor(`${instanceId} in c's endpoints`, async () =>
      (await mesh.endpointIds('c')).includes(instanceId) ? true : undefined,
    );
    await waitFor(`a1 routes to ${instanceId}`, async () => {
      const res = await http(`${caller.outbound}/`, { headers: { host: 'c' } });
      return res.headers['x-echo-name'] === instanceId ? true : undefined;
    });
    return sidecar;
  }

  /**
   * SIGKILLs c's only instance; resolves once the control plane and a1 have both forgotten it, with
   * the reason the control plane logged for removing it.
   */
  async function killAndForget(victim: Sidecar): Promise<string> {
    victim.proc.signal('SIGKILL');
    await Promise.all([
      waitFor(
        `${victim.instanceId} gone from /v1/endpoints`,
        async () => ((await mesh.endpointIds('c')).includes(victim.instanceId) ? undefined : true),
        GONE_WITHIN_MS,
        10,
      ),
      // Before a1 learns it, the dead endpoint refuses (502); after, c has no endpoint (503).
      waitFor(
        `a1 to answer no_endpoints for c`,
        async () => {
          const res = await http(`${caller.outbound}/`, { headers: { host: 'c' } });
          return res.status === 503 && res.headers['x-weft-error'] === 'no_endpoints'
            ? true
            : undefined;
        },
        GONE_WITHIN_MS,
        10,
      ),
    ]);
    return mesh.removalReason(victim.instanceId);
  }

  it('removes a SIGKILLed sidecar from /v1/endpoints and from callers on its disconnect advisory, not its heartbeat TTL', async () => {
    const victim = await startC('c1');
    expect(await killAndForget(victim)).toBe('instance connection closed');
  });

  it('follows a reconnected sidecar by its new connection: a NATS restart expires nobody, a later kill still goes by advisory', async () => {
    const victim = await startC('c2');
    await mesh.nats.restart();
    // Every sidecar reconnects with a new connection id; none of them may leave their sets.
    await sleep(2 * TIMING.heartbeatMs);
    expect(await mesh.endpointIds('a')).toEqual(['a1']);
    expect(await mesh.endpointIds('c')).toEqual(['c2']);
    await waitFor('a1 routes to c2 again', async () => {
      const res = await http(`${caller.outbound}/`, { headers: { host: 'c' } });
      return res.headers['x-echo-name'] === 'c2' ? true : undefined;
    });
    expect(await killAndForget(victim)).toBe('instance connection closed');
  });

  it('counts garbage on the advisory subject and ignores advisories of other connections', async () => {
    await startC('c3');
    const metric = async (): Promise<number> => {
      const text = (await http(`${mesh.controlPlane().url}/metrics`)).body;
      const m = /weft_invalid_messages_total\{source="system-events"\} (\d+)/.exec(text);
      return m ? Number(m[1]) : 0;
    };
    const before = await metric();
    sys.publish('$SYS.ACCOUNT.APP.DISCONNECT', 'not json');
    sys.publish(
      '$SYS.ACCOUNT.APP.DISCONNECT',
      JSON.stringify({ type: 'io.nats.server.advisory.v1.client_disconnect', server: {} }),
    );
    // Well-formed, but for a connection no instance uses.
    sys.publish(
      '$SYS.ACCOUNT.APP.DISCONNECT',
      JSON.stringify({
        type: 'io.nats.server.advisory.v1.client_disconnect',
        server: { id: 'NOSUCHSERVER' },
        client: { id: 1, name: 'weft-sidecar-c3' },
        reason: 'Client Closed',
      }),
    );
    await sys.flush();
    await waitFor('two invalid advisories counted', async () =>
      (await metric()) === before + 2 ? true : undefined,
    );
    const proxies = await json<{ items: { id: string }[] }>(
      `${mesh.controlPlane().url}/v1/proxies`,
    );
    expect(proxies.items.map((p) => p.id)).toContain('c3');
    expect(await mesh.endpointIds('c')).toEqual(['c3']);
    expect(mesh.controlPlane().proc.running).toBe(true);
  });
});
