// TrafficPolicy through real sidecars: outlier ejection and return, fault injection rates, validation.
import { http } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { sleep, waitFor } from '../support/wait-for.js';

const POLICIES = `
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: b-health }
spec:
  targetRefs: [{ kind: Service, name: b }]
  outlierDetection: { consecutive5xx: 3, baseEjectionTime: 2s, maxEjectionPercent: 50 }
---
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: c-chaos }
spec:
  targetRefs: [{ kind: Service, name: c }]
  faultInjection:
    abort: { percentage: { value: 20 }, httpStatus: 418 }
    delay: { percent: 10, fixedDelay: 2s }
`;

/**
 * A delayed request takes at least the 2 s fault delay; any other is answered in a fraction of
 * it even on a busy machine. Half of it tells the two apart by how long the client waited.
 */
const DELAYED_MS = 1_000;

describe('TrafficPolicy', () => {
  let mesh: Mesh;
  const apps = new Map<string, EchoServer>();
  let a: Sidecar;

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    for (const name of ['a', 'b1', 'b2', 'c1']) apps.set(name, await new EchoServer(name).start());
    [a] = await Promise.all([
      mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: apps.get('a')!.port }),
      mesh.startSidecar({ service: 'b', instanceId: 'b1', appPort: apps.get('b1')!.port }),
      mesh.startSidecar({ service: 'b', instanceId: 'b2', appPort: apps.get('b2')!.port }),
      mesh.startSidecar({ service: 'c', instanceId: 'c1', appPort: apps.get('c1')!.port }),
    ]);
    await waitFor('endpoints', async () =>
      (await mesh.endpointIds('b')).length === 2 && (await mesh.endpointIds('c')).length === 1
        ? true
        : undefined,
    );
    await mesh.converged(await mesh.applyOk(POLICIES), ['a1']);
  });

  afterAll(async () => {
    await Promise.all([...apps.values()].map((s) => s.stop()));
    await mesh.stop();
  });

  const call = (host: string, path: string) => http(`${a.outbound}${path}`, { headers: { host } });

  it('ejects an endpoint after consecutive 5xx and takes it back after the ejection time', async () => {
    // b2 answers 500 on this path, b1 200: round robin reaches b2 three times, then ejects it.
    const first: string[] = [];
    for (let i = 0; i < 6; i++)
      first.push(String((await call('b', '/fail-on/b2')).headers['x-echo-name']));
    expect(first.filter((n) => n === 'b2')).toHaveLength(3);
    for (let i = 0; i < 20; i++) {
      const res = await call('b', '/fail-on/b2');
      expect(res.status).toBe(200);
      expect(res.headers['x-echo-name']).toBe('b1');
    }
    await sleep(2_100);
    const after = new Set<string>();
    for (let i = 0; i < 4; i++) after.add(String((await call('b', '/ok')).headers['x-echo-name']));
    expect([...after].sort()).toEqual(['b1', 'b2']);
  });

  it('injects aborts and delays at the configured rates (±3 points over 2,000 requests)', async () => {
    const outcomes: { status: number; ms: number }[] = [];
    const worker = async (): Promise<void> => {
      while (outcomes.length < 2_000) {
        const started = Date.now();
        const res = await call('c', '/chaos');
        outcomes.push({ status: res.status, ms: Date.now() - started });
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    const total = outcomes.length;
    const aborted = outcomes.filter((o) => o.status === 418).length / total;
    const served = outcomes.filter((o) => o.status === 200);
    const delayed = served.filter((o) => o.ms >= DELAYED_MS).length / served.length;
    expect(outcomes.every((o) => o.status === 418 || o.status === 200)).toBe(true);
    expect(Math.abs(aborted - 0.2)).toBeLessThanOrEqual(0.03);
    expect(Math.abs(delayed - 0.1)).toBeLessThanOrEqual(0.03);
  });

  it('rejects an invalid policy with its field path', async () => {
    const res = await mesh.apply(`
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: bad }
spec:
  targetRefs: [{ kind: Service, name: b }]
  outlierDetection: { consecutive5xx: 5, baseEjectionTime: 30s, maxEjectionPercent: 150 }
`);
    expect(res.status).toBe(422);
    expect(JSON.parse(res.body)).toEqual([
      {
        resource: 'TrafficPolicy/default/bad',
        path: 'spec.outlierDetection.maxEjectionPercent',
        message: 'must not be greater than 100',
      },
    ]);
  });
});
