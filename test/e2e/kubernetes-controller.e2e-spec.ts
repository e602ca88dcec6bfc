// A control plane following a cluster's HTTPRoutes, Gateways and weft.dev resources (WEFT_KUBERNETES): a real process against recorded API-server responses; the admin API shows what it applied, the recorded server the status patches it sent.
import { http, json } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { Mesh } from '../support/mesh.js';
import { startFollowingControlPlane } from '../support/kubernetes-control-plane.js';
import { waitFor } from '../support/wait-for.js';
import {
  COLLECTIONS,
  RecordedApiServer,
  recordedEvents,
  recording,
  type ReceivedPatch,
} from '../k8s/recorded-api-server.js';

interface Resources {
  items: { kind: string; metadata: { name: string; namespace: string } }[];
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

const ROUTE_STATUS = (name: string) =>
  `/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/${name}/status`;
const GATEWAY_STATUS = (namespace: string, name: string) =>
  `/apis/gateway.networking.k8s.io/v1/namespaces/${namespace}/gateways/${name}/status`;
const HTTPROUTE_KIND = { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' };
const MERGE_PATCH = 'application/merge-patch+json';
const WEFT = 'weft.dev/control-plane';
const time = expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown as string;

/** A condition as Weft writes it: `observedGeneration` the generation it was computed from. */
function condition(
  type: string,
  status: string,
  reason: string,
  message: string | RegExp,
  observedGeneration: number,
): Condition {
  return {
    type,
    status,
    reason,
    message: (typeof message === 'string' ? message : expect.stringMatching(message)) as string,
    observedGeneration,
    lastTransitionTime: time,
  };
}

describe('control plane following Kubernetes routes and weft.dev resources, writing status back', () => {
  let mesh: Mesh;
  let api: RecordedApiServer;
  let url: string;
  /** billing/ledger's one pod, which has no proxy: the EndpointSlices list it. */
  let unmeshed: EchoServer;

  async function applied(kind: string): Promise<string[]> {
    const { items } = await json<Resources>(`${url}/v1/resources?kind=${kind}`);
    return items.map((r) => `${r.metadata.namespace}/${r.metadata.name}`).sort();
  }

  /** The last patch sent to `path` once `done` holds for it. */
  function patchTo(path: string, done: (p: ReceivedPatch) => boolean): Promise<ReceivedPatch> {
    return waitFor(`a status patch to ${path}`, () => {
      const last = api.patches.filter((p) => p.path === path).at(-1);
      return last && done(last) ? last : undefined;
    });
  }

  const conditionsOf = (p: ReceivedPatch): Condition[] => {
    const status = (
      p.body as { status: { parents: { controllerName: string; conditions: Condition[] }[] } }
    ).status;
    return status.parents.filter((e) => e.controllerName === WEFT).flatMap((e) => e.conditions);
  };

  beforeAll(async () => {
    api = await RecordedApiServer.start();
    mesh = await Mesh.start();
    api.answerList(recording('services-list-2000.json'));
    api.answerList(recording('httproutes-list-3000.json'), 200, COLLECTIONS.HTTPRoute);
    api.answerList(
      recording('peerauthentications-list-3500.json'),
      200,
      COLLECTIONS.PeerAuthentication,
    );
    // The recorded slices, their unmeshed pod's port the one the test's app listens on.
    unmeshed = await new EchoServer('ledger-unmeshed').start();
    api.answerList(
      recording('endpointslices-list-4000.json').replaceAll(
        '"port": 8080',
        `"port": ${unmeshed.port}`,
      ),
      200,
      COLLECTIONS.EndpointSlice,
    );
    api.answerList(recording('gateways-list-3600.json'), 200, COLLECTIONS.Gateway);
    api.answerEmptyExcept('Service', 'EndpointSlice', 'HTTPRoute', 'PeerAuthentication', 'Gateway');
    url = (await startFollowingControlPlane(mesh, api)).url;
  });

  afterAll(async () => {
    await mesh?.stop();
    await api?.close();
    await unmeshed?.stop();
  });

  it('applies the valid routes and weft.dev resources, and leaves out the invalid one', async () => {
    await waitFor('the cluster applied', async () =>
      (await applied('HTTPRoute')).length === 2 ? true : undefined,
    );
    expect(await applied('HTTPRoute')).toEqual(['shop/api-split', 'shop/legacy']);
    expect(await applied('PeerAuthentication')).toContain('shop/strict');
    // Gateways of class weft only, the one Weft refuses left out.
    expect(await applied('Gateway')).toEqual(['shop/edge']);
  });

  it("routes a meshed caller to a Service's pod without a proxy, from its EndpointSlice, in plaintext", async () => {
    await waitFor('the unmeshed pod in the endpoints of billing/ledger', async () =>
      (await mesh.endpointIds('ledger', 'billing')).length > 0 ? true : undefined,
    );
    // The ready endpoint only (the recorded terminating one and the FQDN slice are left out).
    expect(await mesh.endpointIds('ledger', 'billing')).toEqual(['ledger-6b8f9c7d5-q2w4e']);
    const callerApp = await new EchoServer('caller').start();
    try {
      const caller = await mesh.startSidecar({
        service: 'caller',
        instanceId: 'caller-1',
        appPort: callerApp.port,
      });
      const reply = await waitFor(
        'a call to ledger.billing through the caller sidecar',
        async () => {
          const res = await http(`${caller.outbound}/hello`, {
            headers: { host: 'ledger.billing' },
          });
          return res.status === 200 ? res : undefined;
        },
      );
      expect((JSON.parse(reply.body) as { name: string }).name).toBe('ledger-unmeshed');
      expect(unmeshed.received.at(-1)?.url).toBe('/hello');
    } finally {
      await callerApp.stop();
    }
  });

  it("patches each route's status subresource with Weft's conditions, keeping other controllers' entries", async () => {
    const split = await patchTo(ROUTE_STATUS('api-split'), () => true);
    expect(split.contentType).toBe(MERGE_PATCH);
    expect(split.body).toEqual({
      metadata: { resourceVersion: '2990' },
      status: {
        parents: [
          // Another controller's entry for its own Gateway stays as it was.
          {
            parentRef: {
              group: 'gateway.networking.k8s.io',
              kind: 'Gateway',
              namespace: 'infra',
              name: 'public',
            },
            controllerName: 'example.net/gateway-controller',
            conditions: [
              {
                type: 'Accepted',
                status: 'True',
                reason: 'Accepted',
                message: '',
                observedGeneration: 2,
                lastTransitionTime: '2026-12-01T09:30:05Z',
              },
            ],
          },
          // Weft reports on the Service parent only: Gateway infra/public is not Weft's.
          {
            parentRef: { group: '', kind: 'Service', name: 'api', port: 80 },
            controllerName: WEFT,
            conditions: [
              condition('Accepted', 'True', 'Accepted', /.+/, 2),
              condition('ResolvedRefs', 'True', 'ResolvedRefs', /.+/, 2),
            ],
          },
        ],
      },
    });

    // A Service parent and a listener of Weft's Gateway shop/edge: an entry each.
    const legacy = await patchTo(ROUTE_STATUS('legacy'), () => true);
    const parents = (legacy.body as { status: { parents: { parentRef: object }[] } }).status
      .parents;
    expect(parents.map((p) => p.parentRef)).toEqual([
      { group: '', kind: 'Service', name: 'checkout', port: 80 },
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', sectionName: 'web' },
    ]);
    expect(conditionsOf(legacy)).toEqual([
      condition('Accepted', 'True', 'Accepted', /.+/, 1),
      condition('ResolvedRefs', 'False', 'BackendNotFound', /gone/, 1),
      condition('Accepted', 'True', 'Accepted', 'attached to Gateway shop/edge (web)', 1),
      condition('ResolvedRefs', 'False', 'BackendNotFound', /gone/, 1),
    ]);
  });

  it("patches a Weft Gateway's status: its conditions and each listener's, with the routes attached", async () => {
    const edge = await patchTo(GATEWAY_STATUS('shop', 'edge'), () => true);
    expect(edge.contentType).toBe(MERGE_PATCH);
    const listenerConditions = [
      condition('Accepted', 'True', 'Accepted', 'HTTP on port 80', 2),
      condition('Programmed', 'True', 'Programmed', /.+/, 2),
      condition('ResolvedRefs', 'True', 'ResolvedRefs', 'takes HTTPRoutes', 2),
      condition('Conflicted', 'False', 'NoConflicts', /.+/, 2),
    ];
    expect(edge.body).toEqual({
      metadata: { resourceVersion: '3590' },
      status: {
        // The CRD's default Pending conditions replaced; no addresses (Weft does not know them).
        conditions: [
          condition('Accepted', 'True', 'Accepted', /.+/, 2),
          condition('Programmed', 'True', 'Programmed', /.+/, 2),
        ],
        listeners: [
          // shop/legacy attaches to listener web by its sectionName.
          {
            name: 'web',
            supportedKinds: [HTTPROUTE_KIND],
            attachedRoutes: 1,
            conditions: listenerConditions,
          },
          {
            name: 'admin',
            supportedKinds: [HTTPROUTE_KIND],
            attachedRoutes: 0,
            conditions: [
              condition('Accepted', 'True', 'Accepted', 'HTTP on port 8080', 2),
              ...listenerConditions.slice(1),
            ],
          },
        ],
      },
    });

    // A Gateway Weft refuses (HTTP and HTTPS on one port) says why, naming the field.
    const mixed = await patchTo(GATEWAY_STATUS('shop', 'mixed'), () => true);
    const refused = /^spec\.listeners: .*share port 8443/;
    expect(mixed.body).toEqual({
      metadata: { resourceVersion: '3591' },
      status: {
        conditions: [
          condition('Accepted', 'False', 'Invalid', refused, 1),
          condition('Programmed', 'False', 'Invalid', refused, 1),
        ],
        listeners: [],
      },
    });
    // A Gateway of another class is another controller's: no patch.
    expect(api.patches.filter((p) => p.path === GATEWAY_STATUS('infra', 'public'))).toEqual([]);
  });

  it('gives an invalid route Accepted=False naming the field and the reason', async () => {
    const bad = await patchTo(ROUTE_STATUS('bad-regex'), () => true);
    expect(bad.contentType).toBe(MERGE_PATCH);
    expect(bad.body).toEqual({
      metadata: { resourceVersion: '2992' },
      status: {
        parents: [
          {
            parentRef: { group: '', kind: 'Service', name: 'checkout', port: 80 },
            controllerName: WEFT,
            conditions: [
              condition(
                'Accepted',
                'False',
                'UnsupportedValue',
                /^spec\.rules\[0\]\.matches\[0\]\.path\.value: .+/,
                3,
              ),
            ],
          },
        ],
      },
    });
  });

  it('patches the status of weft.dev resources', async () => {
    const strict = await patchTo(
      '/apis/weft.dev/v1alpha1/namespaces/shop/peerauthentications/strict/status',
      () => true,
    );
    expect(strict.contentType).toBe(MERGE_PATCH);
    expect(strict.body).toEqual({
      metadata: { resourceVersion: '3500' },
      status: {
        conditions: [
          condition(
            'Accepted',
            'True',
            'Accepted',
            'mTLS STRICT for every workload of namespace shop',
            1,
          ),
        ],
      },
    });
  });

  it('follows the watch: a fixed route is applied and accepted, a deleted one removed; 410 Gone re-lists', async () => {
    const watch = await api.nextWatch(COLLECTIONS.HTTPRoute);
    expect(watch.resourceVersion).toBe('3000');
    const [fixed, deleted, bookmark, gone] = recordedEvents('httproutes-watch-3000.jsonl');
    watch.send([fixed, deleted, bookmark].join('\n'));
    await waitFor('the watch events applied', async () =>
      (await applied('HTTPRoute')).join() === 'shop/api-split,shop/bad-regex' ? true : undefined,
    );
    const accepted = await patchTo(
      ROUTE_STATUS('bad-regex'),
      (p) =>
        (p.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion === '3001',
    );
    expect(conditionsOf(accepted)).toEqual([
      condition('Accepted', 'True', 'Accepted', /.+/, 4),
      condition('ResolvedRefs', 'True', 'ResolvedRefs', /.+/, 4),
    ]);
    // With legacy gone, no route is attached to shop/edge's listener web any more.
    type GatewayPatch = { status: { listeners: { name: string; attachedRoutes: number }[] } };
    const detached = await patchTo(
      GATEWAY_STATUS('shop', 'edge'),
      (p) => (p.body as GatewayPatch).status.listeners[0].attachedRoutes === 0,
    );
    expect((detached.body as GatewayPatch).status.listeners.map((l) => l.attachedRoutes)).toEqual([
      0, 0,
    ]);

    api.answerList(recording('httproutes-list-3100.json'), 200, COLLECTIONS.HTTPRoute);
    watch.send(gone);
    watch.end();
    expect((await api.nextWatch(COLLECTIONS.HTTPRoute)).resourceVersion).toBe('3100');
    expect(api.requestsTo(COLLECTIONS.HTTPRoute)).toEqual([
      'list',
      'watch 3000',
      'list',
      'watch 3100',
    ]);
    expect(await applied('HTTPRoute')).toEqual(['shop/api-split', 'shop/bad-regex']);
  });
});
