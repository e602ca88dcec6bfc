// A sidecar follows only what it uses: the Services it calls (read on the first call, which is
// routed), their backends, and the Services its instance answers for. What it never calls does not
// reach it but for each revision's marker, as nats-server's own monitoring shows.
import { http, json } from '../support/admin-client.js';
import { EchoServer, type EchoReply } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { FAST_TIMING, Mesh, type Sidecar } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';

interface Connz {
  connections: {
    name?: string;
    /** Messages the server delivered to the connection. */
    out_msgs: number;
    subscriptions_list?: string[];
  }[];
}

const RESOURCES = `
apiVersion: v1
kind: Service
metadata: { name: b }
spec: { selector: { app: b } }
---
apiVersion: v1
kind: Service
metadata: { name: d }
spec: { selector: { app: d } }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: d-route }
spec:
  parentRefs: [{ kind: Service, name: d }]
  rules:
    - filters:
        - type: ResponseHeaderModifier
          responseHeaderModifier: { set: [{ name: x-d-route, value: "1" }] }
      backendRefs: [{ name: d }]
`;

const dRoute = (value: string): string =>
  RESOURCES.slice(RESOURCES.indexOf('apiVersion: gateway')).replace(
    'value: "1"',
    `value: "${value}"`,
  );

describe('a sidecar follows only the destinations it uses', () => {
  let mesh: Mesh;
  let monitor: number;
  let a: Sidecar;
  const apps: EchoServer[] = [];

  beforeAll(async () => {
    monitor = await freePort();
    mesh = await Mesh.start(FAST_TIMING, { args: ['-m', String(monitor)] });
    await mesh.startControlPlane();
    for (const name of ['a1', 'b1', 'd1']) apps.push(await new EchoServer(name).start());
    a = await mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: apps[0].port });
    await mesh.startSidecar({ service: 'b', instanceId: 'b1', appPort: apps[1].port });
    await mesh.startSidecar({ service: 'd', instanceId: 'd1', appPort: apps[2].port });
    await mesh.converged(await mesh.applyOk(RESOURCES), ['a1', 'b1', 'd1']);
  });

  afterAll(async () => {
    await mesh.stop();
    await Promise.all(apps.map((s) => s.stop()));
  });

  /** What nats-server knows of a1's connection: its subscriptions and the messages it was sent. */
  const a1 = async () => {
    const connz = await json<Connz>(`http://127.0.0.1:${monitor}/connz?subs=1`);
    const conn = connz.connections.find((c) => c.name === 'weft-sidecar-a1');
    if (!conn) throw new Error('no connection of a1 in connz');
    return { subjects: conn.subscriptions_list ?? [], delivered: conn.out_msgs };
  };
  const via = (host: string) => http(`${a.outbound}/x`, { headers: { host } });

  it('routes the first call to a Service it never called, and follows that Service from then on', async () => {
    const before = await a1();
    expect(before.subjects).toContain('weft.v1.config.snapshot');
    expect(before.subjects).toContain('weft.v1.config.member.default.a1');
    expect(before.subjects).not.toContain('weft.v1.config.dst.default.b');
    const res = await via('b');
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as EchoReply).name).toBe('b1');
    expect((await a1()).subjects).toContain('weft.v1.config.dst.default.b');
  });

  it('does not receive what it never uses: a change to d reaches it as the revision marker alone', async () => {
    const { subjects, delivered } = await a1();
    expect(subjects.filter((s) => s.includes('.dst.default.d'))).toEqual([]);
    // Nothing of the bucket is watched as a whole.
    expect(subjects.filter((s) => s.startsWith('$KV') || s.startsWith('$JS'))).toEqual([]);
    const revision = await mesh.applyOk(dRoute('2'));
    await mesh.converged(revision, ['a1', 'd1']);
    // The marker of that revision is the one message delivered to a1 (a1 ACKed it, so it is in).
    expect((await a1()).delivered - delivered).toBe(1);
  });

  it('applies a later change of a Service it follows, and its routes', async () => {
    const first = await via('d');
    expect(first.headers['x-d-route']).toBe('2');
    await mesh.converged(await mesh.applyOk(dRoute('3')), ['a1']);
    expect((await via('d')).headers['x-d-route']).toBe('3');
  });

  it('answers 404 for a host that names nothing, and routes it once it exists', async () => {
    const missing = await via('later');
    expect(missing.status).toBe(404);
    expect(missing.headers['x-weft-error']).toBe('no_route');
    const revision = await mesh.applyOk(`
apiVersion: weft.dev/v1alpha1
kind: ExternalService
metadata: { name: later }
spec:
  hosts: [later.example.test]
  endpoints: [{ address: 127.0.0.1, port: ${apps[1].port} }]
`);
    await mesh.converged(revision, ['a1']);
    const found = await waitFor('later to route', async () => {
      const res = await via('later');
      return res.status === 200 ? res : undefined;
    });
    expect((JSON.parse(found.body) as EchoReply).name).toBe('b1');
    // An ExternalService's extra hostname is read on its first call too.
    const byAlias = await via('later.example.test');
    expect(byAlias.status).toBe(200);
  });
});
