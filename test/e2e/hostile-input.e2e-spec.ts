// Hostile input against real processes, each test named after the attack: the mesh answers it and keeps serving.
import { http } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';

const REDOS_ROUTE = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: b-redos }
spec:
  parentRefs: [{ kind: Service, name: b }]
  rules:
    - matches: [{ path: { type: RegularExpression, value: "/(a+)+b" } }]
      filters:
        - type: ResponseHeaderModifier
          responseHeaderModifier: { set: [{ name: X-Rule, value: redos }] }
      backendRefs: [{ name: b }]
    - backendRefs: [{ name: b }]
`;

describe('hostile input', () => {
  let mesh: Mesh;
  const apps: EchoServer[] = [];
  let a: Sidecar;

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    const [appA, appB] = [await new EchoServer('a').start(), await new EchoServer('b1').start()];
    apps.push(appA, appB);
    [a] = await Promise.all([
      mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: appA.port }),
      mesh.startSidecar({ service: 'b', instanceId: 'b1', appPort: appB.port }),
    ]);
    await waitFor('b endpoints', async () =>
      (await mesh.endpointIds('b')).length === 1 ? true : undefined,
    );
    await mesh.converged(await mesh.applyOk(REDOS_ROUTE), ['a1']);
  });

  afterAll(async () => {
    await Promise.all(apps.map((s) => s.stop()));
    await mesh.stop();
  });

  const viaA = (path: string) => http(`${a.outbound}${path}`, { headers: { host: 'b' } });
  const revision = async () =>
    (JSON.parse((await http(`${mesh.controlPlane().url}/v1/version`)).body) as { revision: number })
      .revision;

  it('ReDoS: a catastrophic-backtracking route regex is matched in linear time, and other requests flow', async () => {
    // With a backtracking engine `/(a+)+b` needs about 2^n steps on n a's that end without a b:
    // at 64, the sidecar's event loop would never come back and every request below would hang.
    const evil = `/${'a'.repeat(64)}!`;
    const answers = await Promise.all([
      viaA(evil),
      ...Array.from({ length: 20 }, (_, i) => viaA(`/ok/${i}`)),
      viaA(`/${'a'.repeat(64)}b`),
    ]);
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    // The evil path matched no regex rule (default rule), the matching one the regex rule.
    expect(answers[0].headers['x-rule']).toBeUndefined();
    expect(answers[answers.length - 1].headers['x-rule']).toBe('redos');
    expect((await http(`http://127.0.0.1:${a.adminPort}/healthz`)).status).toBe(200);
  });

  it('billion laughs: a YAML alias bomb is refused with 422, nothing applied', async () => {
    const before = await revision();
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const [prev, name] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const res = await mesh.apply(levels.join('\n'));
    expect(res.status).toBe(422);
    expect(JSON.stringify(JSON.parse(res.body))).toMatch(/alias/i);
    expect(await revision()).toBe(before);
    expect((await viaA('/still-routed')).status).toBe(200);
  });

  it('deep nesting: 100,000 nested JSON arrays and 20,000 nested objects are refused with 422', async () => {
    const before = await revision();
    for (const body of [
      '['.repeat(100_000) + ']'.repeat(100_000),
      '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000),
    ]) {
      const res = await mesh.apply(body);
      expect(res.status).toBe(422);
      expect(res.body).toMatch(/nest deeper than/);
    }
    expect(await revision()).toBe(before);
    // The control plane kept its lease and still applies.
    expect(await mesh.applyOk(REDOS_ROUTE)).toBeGreaterThan(0);
  });
});
