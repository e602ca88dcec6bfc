// Locality-aware load balancing through real sidecars on one NATS: instances declare their cluster,
// region and zone (WEFT_CLUSTER, WEFT_REGION, WEFT_ZONE); a caller keeps its traffic in its own zone,
// fails over zone → region → remote cluster as instances are SIGKILLed while it sends throughout,
// with no failed request, and returns home when they are back.
import { http, json } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';
import { weft } from '../support/weft-cli.js';

const EAST_A = { WEFT_CLUSTER: 'east', WEFT_REGION: 'us-east', WEFT_ZONE: 'us-east-1a' };
const EAST_B = { WEFT_CLUSTER: 'east', WEFT_REGION: 'us-east', WEFT_ZONE: 'us-east-1b' };
const WEST = { WEFT_CLUSTER: 'west', WEFT_REGION: 'us-west', WEFT_ZONE: 'us-west-1a' };

/** api's instances: two in the caller's zone, one in another zone of its cluster, one in another cluster. */
const API: [instanceId: string, locality: Record<string, string>][] = [
  ['a1', EAST_A],
  ['a2', EAST_A],
  ['b1', EAST_B],
  ['w1', WEST],
];

const POLICY = `
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: api-locality }
spec:
  targetRefs: [{ kind: Service, name: api }]
  loadBalancer:
    type: LeastRequest
    localityLbSetting:
      failoverPriority:
        - topology.weft.dev/cluster
        - topology.kubernetes.io/region
        - topology.kubernetes.io/zone
  outlierDetection: { consecutiveGatewayErrors: 3, baseEjectionTime: 30s, maxEjectionPercent: 100 }
`;

/** Responses in a row from the expected place before a phase counts as settled. */
const SETTLED = 30;

describe('locality failover', () => {
  let mesh: Mesh;
  const apps = new Map<string, EchoServer>();
  const sidecars = new Map<string, Sidecar>();
  let web: Sidecar;

  const startApi = async (instanceId: string, env: Record<string, string>): Promise<void> => {
    const appPort = apps.get(instanceId)!.port;
    sidecars.set(instanceId, await mesh.startSidecar({ service: 'api', instanceId, appPort, env }));
  };

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    for (const name of ['web-1', ...API.map(([id]) => id)])
      apps.set(name, await new EchoServer(name).start());
    web = await mesh.startSidecar({
      service: 'web',
      instanceId: 'web-1',
      appPort: apps.get('web-1')!.port,
      env: EAST_A,
    });
    for (const [id, env] of API) await startApi(id, env);
    await waitFor('api endpoints', async () =>
      (await mesh.endpointIds('api')).length === API.length ? true : undefined,
    );
    await mesh.converged(await mesh.applyOk(POLICY), ['web-1']);
  }, 120_000);

  afterAll(async () => {
    await mesh.stop();
    await Promise.all([...apps.values()].map((a) => a.stop()));
  });

  const call = () => http(`${web.outbound}/who`, { headers: { host: 'api' } });

  it('publishes each endpoint with its cluster, region and zone; weft get endpoints -o wide shows them', async () => {
    const { items } = await json<{
      items: {
        service: string;
        endpoints: { instanceId: string; zone?: string; cluster?: string }[];
      }[];
    }>(`${mesh.controlPlane().url}/v1/endpoints`);
    const api = items.find((s) => s.service === 'api')!;
    expect(
      Object.fromEntries(api.endpoints.map((e) => [e.instanceId, `${e.cluster}/${e.zone}`])),
    ).toEqual({
      a1: 'east/us-east-1a',
      a2: 'east/us-east-1a',
      b1: 'east/us-east-1b',
      w1: 'west/us-west-1a',
    });
    const run = await weft(['get', 'endpoints', 'api', '-o', 'wide'], {
      server: mesh.controlPlane().url,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'a1,a2,b1,w1   east/us-east/us-east-1a,east/us-east/us-east-1a,east/us-east/us-east-1b,west/us-west/us-west-1a',
    );
  });

  it("keeps a caller's traffic in its own zone while that zone is healthy", async () => {
    const names = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const res = await call();
      expect(res.status).toBe(200);
      names.add(String(res.headers['x-echo-name']));
    }
    expect(names).toEqual(new Set(['a1', 'a2']));
  });

  it('fails over zone → region → remote cluster as instances are killed, with no failed request, and returns home', async () => {
    const answers: { status: number; name: string }[] = [];
    let sending = true;
    const client = (async () => {
      while (sending) {
        const res = await call();
        answers.push({ status: res.status, name: String(res.headers['x-echo-name']) });
      }
    })();
    /** Waits until the last SETTLED answers all came from `names`. */
    const settledOn = (what: string, ...names: string[]) =>
      waitFor(
        `${SETTLED} answers in a row from ${what}`,
        () => {
          const last = answers.slice(-SETTLED);
          return last.length === SETTLED && last.every((a) => names.includes(a.name))
            ? true
            : undefined;
        },
        60_000,
      );
    try {
      await settledOn('the caller’s zone', 'a1', 'a2');
      const killed = (id: string) => sidecars.get(id)!.proc.signal('SIGKILL');

      killed('a1');
      killed('a2');
      await settledOn('the other zone of the same cluster and region', 'b1');

      killed('b1');
      await settledOn('the remote cluster', 'w1');

      // Back: the zone's instances start again (new processes, same instances and apps).
      await startApi('a1', EAST_A);
      await startApi('a2', EAST_A);
      await settledOn('the caller’s zone again', 'a1', 'a2');
    } finally {
      sending = false;
      await client;
    }
    const failed = answers.filter((a) => a.status !== 200);
    process.stderr.write(
      `[locality-failover] ${answers.length} requests during the kills and the return, ${failed.length} failed\n`,
    );
    expect(failed).toEqual([]);
    // Every place took part, in order: the remote cluster only after both of east's zones were gone.
    const firstOf = (name: string) => answers.findIndex((a) => a.name === name);
    expect(firstOf('b1')).toBeGreaterThan(0);
    expect(firstOf('w1')).toBeGreaterThan(firstOf('b1'));
  }, 240_000);

  it('counts the caller’s requests by destination cluster and zone on /metrics', async () => {
    const metrics = (await http(`http://127.0.0.1:${web.adminPort}/metrics`)).body;
    const count = (cluster: string, zone: string): number =>
      metrics
        .split('\n')
        .filter(
          (l) =>
            l.startsWith('http_client_request_duration_count{') &&
            l.includes('weft_destination="default/api"') &&
            l.includes(`weft_destination_cluster="${cluster}"`) &&
            l.includes(`weft_destination_zone="${zone}"`),
        )
        .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    expect(count('east', 'us-east-1a')).toBeGreaterThan(0);
    expect(count('east', 'us-east-1b')).toBeGreaterThan(0);
    expect(count('west', 'us-west-1a')).toBeGreaterThan(0);
  });
});
