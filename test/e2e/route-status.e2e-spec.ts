// HTTPRoute and TrafficPolicy status as Gateway API conditions: unresolved backends, zero weights, shadowed
// matches, missing parents and policy targets, in the apply answer, GET /v1/resources and the CLI.
import { Kvm } from '@nats-io/kv';
import { parseAllDocuments } from 'yaml';
import type {
  ApplyResult,
  Condition,
  PolicyStatus,
  ResourceList,
  RouteStatus,
} from '@app/protocol';
import { http, json, type HttpResult } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';
import { cells, lines, weft } from '../support/weft-cli.js';

const service = (name: string): string => `
apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec: { selector: { app: ${name} } }
`;

const route = (name: string, parents: string, rules: string): string => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name} }
spec:
  parentRefs: ${parents}
  rules: ${rules}
`;

const policy = (name: string, target: string, spec: string): string => `
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: ${name} }
spec: { targetRefs: [{ kind: Service, name: ${target} }], ${spec} }
`;

const TO_B_V3 = route(
  'b-route',
  '[{ kind: Service, name: b }]',
  '[{ backendRefs: [{ name: b-v3 }] }]',
);

/** What a condition says, without its time. */
type Said = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;
const said = ({ type, status, reason, message }: Condition): Said => ({
  type,
  status,
  reason,
  message,
});

describe('HTTPRoute status conditions', () => {
  let mesh: Mesh;
  let caller: Sidecar;
  const apps: EchoServer[] = [];

  const apply = async (yaml: string): Promise<ApplyResult> => {
    const res = await mesh.apply(yaml);
    if (res.status !== 200) throw new Error(`apply failed: ${res.status} ${res.body}`);
    return JSON.parse(res.body) as ApplyResult;
  };
  const conditionsIn = (result: ApplyResult, name: string) =>
    result.results.find((r) => r.resource === `HTTPRoute/default/${name}`)?.conditions;
  const statusOf = async (name: string): Promise<RouteStatus | undefined> => {
    const { items } = await json<ResourceList>(
      `${mesh.controlPlane().url}/v1/resources?kind=HTTPRoute`,
    );
    const item = items.find((r) => r.metadata.name === name);
    return item?.kind === 'HTTPRoute' ? item.status : undefined;
  };
  /** Waits until the caller's proxy answers `host` with `status` (its config may still be converging). */
  const answered = (host: string, path: string, status: number): Promise<HttpResult> =>
    waitFor(`${host}${path} to answer ${status}`, async () => {
      const res = await http(`${caller.outbound}${path}`, { headers: { host } });
      return res.status === status ? res : undefined;
    });

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    apps.push(await new EchoServer('a').start());
    caller = await mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: apps[0].port });
    await waitFor('a endpoints', async () =>
      (await mesh.endpointIds('a')).length === 1 ? true : undefined,
    );
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await mesh.stop();
  });

  describe('a backend that does not resolve', () => {
    let before: RouteStatus;

    it('is accepted, and reported in the apply answer and in GET /v1/resources', async () => {
      const applyingAt = Date.now();
      const result = await apply(`${service('b')}---${TO_B_V3}`);
      expect(result.results).toEqual([
        { resource: 'Service/default/b', action: 'created' },
        {
          resource: 'HTTPRoute/default/b-route',
          action: 'created',
          conditions: [
            {
              type: 'ResolvedRefs',
              status: 'False',
              reason: 'BackendNotFound',
              message: 'rule 0 backend b-v3 not found',
            },
          ],
        },
      ]);
      before = (await statusOf('b-route'))!;
      expect(before.parents).toHaveLength(1);
      expect(before.parents[0]).toMatchObject({
        parentRef: { kind: 'Service', name: 'b' },
        controllerName: 'weft.dev/control-plane',
      });
      expect(before.parents[0].conditions.map(said)).toEqual([
        {
          type: 'Accepted',
          status: 'True',
          reason: 'Accepted',
          message: 'attached to Service default/b',
        },
        {
          type: 'ResolvedRefs',
          status: 'False',
          reason: 'BackendNotFound',
          message: 'rule 0 backend b-v3 not found',
        },
      ]);
      // Each condition changed with this apply: stamped between its request and the answer read.
      const readAt = Date.now();
      for (const c of before.parents[0].conditions) {
        expect(Date.parse(c.lastTransitionTime)).toBeGreaterThanOrEqual(applyingAt);
        expect(Date.parse(c.lastTransitionTime)).toBeLessThanOrEqual(readAt);
      }
    });

    it('is the same answer when applied again unchanged', async () => {
      const again = await apply(TO_B_V3);
      expect(again.results).toEqual([
        expect.objectContaining({
          action: 'unchanged',
          conditions: [expect.objectContaining({ reason: 'BackendNotFound' })],
        }),
      ]);
    });

    it('keeps status out of the stored resource proxies receive, and proxies answer 500', async () => {
      const nc = await mesh.natsClient({ role: 'cli-read', name: 'observer' });
      try {
        const kv = await new Kvm(nc).open('weft-config');
        const entry = await kv.get('httproute.default.b-route');
        const stored = entry!.json<{ resource: Record<string, unknown> }>();
        expect(stored.resource.kind).toBe('HTTPRoute');
        expect(stored.resource).not.toHaveProperty('status');
      } finally {
        await nc.close();
      }
      const res = await answered('b', '/x', 500);
      expect(res.headers['x-weft-error']).toBe('no_backend');
    });

    it('turns ResolvedRefs True once an instance of the missing service registers', async () => {
      apps.push(await new EchoServer('b-v3').start());
      await mesh.startSidecar({ service: 'b-v3', instanceId: 'bv3', appPort: apps[1].port });
      const after = await waitFor('ResolvedRefs=True on b-route', async () => {
        const status = await statusOf('b-route');
        return status?.parents[0].conditions[1].status === 'True' ? status : undefined;
      });
      const [accepted, resolved] = after.parents[0].conditions;
      expect(said(resolved)).toEqual({
        type: 'ResolvedRefs',
        status: 'True',
        reason: 'ResolvedRefs',
        message: 'every backendRef resolves to a known Service',
      });
      // Only the condition that changed moves its transition time.
      expect(accepted.lastTransitionTime).toBe(before.parents[0].conditions[0].lastTransitionTime);
      expect(Date.parse(resolved.lastTransitionTime)).toBeGreaterThan(
        Date.parse(before.parents[0].conditions[1].lastTransitionTime),
      );
      const res = await answered('b', '/x', 200);
      expect(res.headers['x-echo-name']).toBe('b-v3');
      expect(conditionsIn(await apply(TO_B_V3), 'b-route')).toBeUndefined();
    });
  });

  it('reports a rule whose weights sum to zero, and proxies answer it 500', async () => {
    const zero = route(
      'z-route',
      '[{ kind: Service, name: z }]',
      '[{ backendRefs: [{ name: b, weight: 0 }] }]',
    );
    const result = await apply(`${service('z')}---${zero}`);
    const expected = {
      type: 'ResolvedRefs',
      status: 'False',
      reason: 'BackendWeightsZero',
      message: 'rule 0 has only backendRefs of weight 0, so requests it matches get HTTP 500',
    };
    expect(conditionsIn(result, 'z-route')).toEqual([expected]);
    expect((await statusOf('z-route'))!.parents[0].conditions.map(said)).toContainEqual(expected);
    expect((await answered('z', '/', 500)).headers['x-weft-error']).toBe('no_backend');
  });

  it('names a match shadowed by an identical one of a route first by name, which keeps the traffic', async () => {
    const api = (backend: string) =>
      `[{ matches: [{ path: { type: PathPrefix, value: /api } }], backendRefs: [{ name: ${backend} }] }]`;
    const result = await apply(
      [
        service('c'),
        route('c-b', '[{ kind: Service, name: c }]', api('b')),
        route('c-a', '[{ kind: Service, name: c }]', api('b-v3')),
      ].join('---'),
    );
    expect(conditionsIn(result, 'c-a')).toBeUndefined();
    const shadowed = {
      type: 'Accepted',
      status: 'True',
      reason: 'Accepted',
      message:
        'attached to Service default/c; rule 0 match 0 (PathPrefix /api) is shadowed by an identical ' +
        'match of HTTPRoute/default/c-a rule 0 (the route first by namespace/name wins) and receives no traffic',
    };
    expect(conditionsIn(result, 'c-b')).toEqual([shadowed]);
    // Gateway API merges identical matches: both routes stay Accepted.
    expect((await statusOf('c-b'))!.parents[0].conditions.map(said)[0]).toEqual(shadowed);
    expect((await statusOf('c-a'))!.parents[0].conditions.every((c) => c.status === 'True')).toBe(
      true,
    );
    expect((await answered('c', '/api/x', 200)).headers['x-echo-name']).toBe('b-v3');
  });

  it('refuses parents that do not exist, until the Service is declared', async () => {
    const orphan = route(
      'orphan',
      '[{ kind: Service, name: nope }, { name: edge }]',
      '[{ backendRefs: [{ name: b }] }]',
    );
    const result = await apply(orphan);
    expect(conditionsIn(result, 'orphan')).toEqual([
      {
        type: 'Accepted',
        status: 'False',
        reason: 'NoMatchingParent',
        message:
          'Service default/nope not found: no Service resource and no registered instance by that name',
      },
      {
        type: 'Accepted',
        status: 'False',
        reason: 'NoMatchingParent',
        message: 'Gateway default/edge not found',
      },
    ]);
    await apply(service('nope'));
    const status = (await statusOf('orphan'))!;
    expect(status.parents.map((p) => `${p.parentRef.name}: ${p.conditions[0].status}`)).toEqual([
      'nope: True',
      'edge: False',
    ]);
  });

  describe('a TrafficPolicy', () => {
    const NOT_FOUND =
      'Service default/pay not found: no Service resource and no registered instance by that name';
    const policyStatus = async (name: string): Promise<PolicyStatus | undefined> => {
      const { items } = await json<ResourceList>(
        `${mesh.controlPlane().url}/v1/resources?kind=TrafficPolicy`,
      );
      const item = items.find((r) => r.metadata.name === name);
      return item?.kind === 'TrafficPolicy' ? item.status : undefined;
    };
    const cli = async (args: string[], stdin?: string): Promise<string> => {
      const run = await weft(args, { server: mesh.controlPlane().url, stdin });
      if (run.code !== 0) throw new Error(`weft ${args.join(' ')}: ${run.code} ${run.stderr}`);
      return run.stdout;
    };
    let missing: Condition;

    it('targeting a missing Service is applied, and reported Accepted False TargetNotFound', async () => {
      const applied = await cli(
        ['apply', '-f', '-'],
        policy('pay-lb', 'pay', 'loadBalancer: { type: LeastRequest }'),
      );
      expect(lines(applied)).toEqual([
        'trafficpolicy/default/pay-lb created',
        `  ! Accepted=False (TargetNotFound): ${NOT_FOUND}`,
        expect.stringMatching(/^revision \d+$/),
      ]);
      const status = (await policyStatus('pay-lb'))!;
      expect(status.ancestors).toHaveLength(1);
      expect(status.ancestors[0]).toMatchObject({
        ancestorRef: { group: '', kind: 'Service', name: 'pay', namespace: 'default' },
        controllerName: 'weft.dev/control-plane',
      });
      [missing] = status.ancestors[0].conditions;
      expect(said(missing)).toEqual({
        type: 'Accepted',
        status: 'False',
        reason: 'TargetNotFound',
        message: NOT_FOUND,
      });

      const table = lines(await cli(['get', 'trafficpolicy'])).map(cells);
      expect(table).toEqual([
        ['NAME', 'NAMESPACE', 'TARGETS', 'POLICIES', 'STATUS'],
        ['pay-lb', 'default', 'pay', 'loadBalancer', 'Accepted=False'],
      ]);
      const [doc] = parseAllDocuments(await cli(['get', 'trafficpolicy', 'pay-lb', '-o', 'yaml']));
      expect((doc.toJS() as { status: PolicyStatus }).status).toEqual(status);
    });

    it('turns Accepted True once the Service is created, and a second policy on it is Conflicted', async () => {
      const applied = await cli(
        ['apply', '-f', '-'],
        `${service('pay')}---${policy('pay-zz', 'pay', 'outlierDetection: {}')}`,
      );
      expect(lines(applied)).toEqual([
        'service/default/pay created',
        'trafficpolicy/default/pay-zz created',
        '  ! Accepted=False (Conflicted): TrafficPolicy pay-lb takes outlierDetection on Service ' +
          'default/pay (policies on one Service do not merge: the first by name wins)',
        expect.stringMatching(/^revision \d+$/),
      ]);
      const [accepted] = (await policyStatus('pay-lb'))!.ancestors[0].conditions;
      expect(said(accepted)).toEqual({
        type: 'Accepted',
        status: 'True',
        reason: 'Accepted',
        message: 'in effect on Service default/pay',
      });
      expect(Date.parse(accepted.lastTransitionTime)).toBeGreaterThan(
        Date.parse(missing.lastTransitionTime),
      );
      expect(lines(await cli(['get', 'trafficpolicy'])).map(cells)).toEqual([
        ['NAME', 'NAMESPACE', 'TARGETS', 'POLICIES', 'STATUS'],
        ['pay-lb', 'default', 'pay', 'loadBalancer', 'Accepted'],
        ['pay-zz', 'default', 'pay', 'outlierDetection', 'Accepted=False'],
      ]);
    });
  });
});
