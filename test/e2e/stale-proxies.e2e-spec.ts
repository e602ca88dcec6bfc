// Stale and forged proxies (issue 11 item 4): a proxy killed with SIGKILL leaves `/v1/proxies`
// once silent for WEFT_PROXY_TTL_MS, and a flood of heartbeats under made-up instance ids (all a
// token lets a compromised workload do) never grows the proxy table or the live instances past
// their bounds: the real proxies keep their rows, every drop is counted, the forged rows expire.
import type { NatsConnection } from '@nats-io/transport-node';
import { Subjects } from '@app/protocol';
import { json } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { heartbeatBytes } from '../support/heartbeats.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { metric } from '../support/metrics.js';
import { waitFor } from '../support/wait-for.js';

const s = new Subjects('weft');

// A heartbeat TTL of 5 s (not the fast 750 ms): the flood must not make the real proxies look
// silent while the control plane works through it.
const TIMING = { heartbeatMs: 1_000, misses: 5, drainGraceMs: 1_000 };
const PROXY_TTL_MS = 8_000;
const MAX_PROXIES = 40;
const MAX_INSTANCES = 30;
const FORGED = 20_000;
/** Bounds against a hang only: a TTL and then some on a loaded machine. */
const GONE_WITHIN_MS = 60_000;

const MESH = `
apiVersion: v1
kind: Service
metadata: { name: api }
spec: { selector: { app: api } }
`;

interface ProxyItem {
  id: string;
  service: string;
}

describe('stale and forged proxies', () => {
  let mesh: Mesh;
  let api: EchoServer;
  let sidecars: Sidecar[];

  beforeAll(async () => {
    mesh = await Mesh.start(TIMING);
    await mesh.startControlPlane({
      WEFT_PROXY_TTL_MS: String(PROXY_TTL_MS),
      WEFT_MAX_PROXIES: String(MAX_PROXIES),
      WEFT_MAX_INSTANCES: String(MAX_INSTANCES),
    });
    api = await new EchoServer('api').start();
    sidecars = await Promise.all(
      ['api-1', 'api-2'].map((instanceId) =>
        mesh.startSidecar({ service: 'api', instanceId, appPort: api.port }),
      ),
    );
    await mesh.converged(await mesh.applyOk(MESH), ['api-1', 'api-2']);
  });

  afterAll(async () => {
    await api?.stop();
    await mesh?.stop();
  });

  async function proxies(): Promise<ProxyItem[]> {
    return (await json<{ items: ProxyItem[] }>(`${mesh.controlPlane().url}/v1/proxies`)).items;
  }

  function dropped(table: string, reason: string): Promise<number> {
    return metric(mesh.controlPlane().adminPort, 'weft_control_plane_dropped_total', [
      `weft_table="${table}"`,
      `weft_drop_reason="${reason}"`,
    ]);
  }

  it(`${FORGED} forged heartbeats: at most WEFT_MAX_PROXIES rows and WEFT_MAX_INSTANCES instances, real proxies kept, drops counted, forged rows expire`, async () => {
    const evil: NatsConnection = await mesh.natsClient({
      role: 'proxy',
      identity: { namespace: 'default', service: 'evil', serviceAccount: 'evil' },
    });
    try {
      for (let i = 0; i < FORGED; i++) {
        const id = `evil-${i}`;
        evil.publish(s.health('default', 'evil', 'evil', id), heartbeatBytes('evil', id));
      }
      await evil.flush();
    } finally {
      await evil.close();
    }
    // Each forged row or instance was either taken or refused: wait until the refusals show.
    await waitFor('the control plane to refuse forged rows and instances', async () =>
      (await dropped('proxies', 'refused')) > 0 && (await dropped('instances', 'refused')) > 0
        ? true
        : undefined,
    );
    const rows = await proxies();
    expect(rows.length).toBeLessThanOrEqual(MAX_PROXIES);
    expect(rows.map((p) => p.id)).toEqual(expect.arrayContaining(['api-1', 'api-2']));
    expect((await mesh.endpointIds('evil')).length).toBeLessThanOrEqual(MAX_INSTANCES - 2);
    expect(await mesh.endpointIds('api')).toEqual(['api-1', 'api-2']);

    // Silent since the flood: every forged row expires (or gives way to a later one of the flood
    // still in flight), counted; the real ones stay.
    const forgedRows = rows.filter((p) => p.service === 'evil').length;
    const droppedSince = async (): Promise<number> =>
      (await dropped('proxies', 'expired')) + (await dropped('proxies', 'evicted'));
    const before = await droppedSince();
    const left = await waitFor(
      'the forged rows to expire',
      async () => {
        const now = await proxies();
        return now.some((p) => p.service === 'evil') ? undefined : now;
      },
      GONE_WITHIN_MS,
    );
    expect(left.map((p) => p.id)).toEqual(['api-1', 'api-2']);
    expect(await droppedSince()).toBeGreaterThanOrEqual(before + forgedRows);
  });

  it('a proxy killed with SIGKILL leaves /v1/proxies once silent for WEFT_PROXY_TTL_MS, counted expired', async () => {
    const expiredBefore = await dropped('proxies', 'expired');
    const [killed] = sidecars;
    killed.proc.signal('SIGKILL');
    await killed.proc.exited;
    const left = await waitFor(
      'the killed proxy to leave /v1/proxies',
      async () => {
        const now = await proxies();
        return now.some((p) => p.id === killed.instanceId) ? undefined : now;
      },
      GONE_WITHIN_MS,
    );
    expect(left.map((p) => p.id)).toEqual(['api-2']);
    expect(await dropped('proxies', 'expired')).toBe(expiredBefore + 1);
  });
});
