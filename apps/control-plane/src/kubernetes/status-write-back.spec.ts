// Status write-back against a recorded API server: what a patch carries, and when none is sent (status unchanged, in another key order, or already patched and not yet echoed by the watch).
import { RecordedApiServer } from '../../../../test/k8s/recorded-api-server.js';
import type { ObjectVerdict } from './cluster-status.js';
import { StatusWriteBack, type StatusTarget } from './status-write-back.js';
import { WATCHED_KINDS } from './watched-kinds.js';

const peerAuthentications = WATCHED_KINDS.find((k) => k.kind === 'PeerAuthentication')!;
const routes = WATCHED_KINDS.find((k) => k.kind === 'HTTPRoute')!;
const STATUS_PATH = '/apis/weft.dev/v1alpha1/namespaces/shop/peerauthentications/strict/status';

const accepted: ObjectVerdict = {
  conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'mTLS STRICT' }],
};

function peerAuthentication(resourceVersion: string, status?: unknown): StatusTarget {
  return {
    kind: peerAuthentications,
    object: {
      metadata: { name: 'strict', namespace: 'shop', uid: 'u1', generation: 7, resourceVersion },
      spec: { mtls: { mode: 'STRICT' } },
      ...(status === undefined ? {} : { status }),
    },
  };
}

describe('StatusWriteBack', () => {
  let api: RecordedApiServer;
  let errors: string[];
  let writer: StatusWriteBack;

  beforeEach(async () => {
    api = await RecordedApiServer.start();
    errors = [];
    writer = new StatusWriteBack(api.kubeConfig(), (err) => errors.push(err.message));
  });

  afterEach(() => api.close());

  it('sends a conditional merge patch of the status subresource, with the generation observed', async () => {
    expect(await writer.write([peerAuthentication('41')], () => accepted)).toBe(1);
    const [patch] = api.patches;
    expect(patch.path).toBe(STATUS_PATH);
    expect(patch.contentType).toBe('application/merge-patch+json');
    expect(patch.body).toEqual({
      metadata: { resourceVersion: '41' },
      status: {
        conditions: [
          {
            type: 'Accepted',
            status: 'True',
            reason: 'Accepted',
            message: 'mTLS STRICT',
            observedGeneration: 7,
            lastTransitionTime: expect.any(String) as string,
          },
        ],
      },
    });
    expect(errors).toEqual([]);
  });

  it('patches once until the watch brings the object back, then not while nothing changes', async () => {
    await writer.write([peerAuthentication('41')], () => accepted);
    // Another pass before the watch echoes the patch: the status written stands for the object's.
    expect(await writer.write([peerAuthentication('41')], () => accepted)).toBe(0);
    // The echo, as the API server stores it (keys in its own order): equal, so no patch.
    const stored = api.patches[0].body as { status: { conditions: Record<string, unknown>[] } };
    const reordered = {
      conditions: stored.status.conditions.map((c) =>
        Object.fromEntries(Object.entries(c).reverse()),
      ),
    };
    expect(await writer.write([peerAuthentication('42', reordered)], () => accepted)).toBe(0);
    expect(api.patches).toHaveLength(1);
    // A new verdict is a new patch; its transition time moves, as the status changed.
    const conflicted: ObjectVerdict = {
      conditions: [{ type: 'Accepted', status: 'False', reason: 'Conflicted', message: 'x' }],
    };
    expect(await writer.write([peerAuthentication('42', reordered)], () => conflicted)).toBe(1);
  });

  it("finds its own route parent entry in the API server's key order, so the echo brings no new patch", async () => {
    const routeAt = (resourceVersion: string, status?: unknown): StatusTarget => ({
      kind: routes,
      object: {
        metadata: { name: 'r', namespace: 'shop', uid: 'u3', generation: 2, resourceVersion },
        spec: { parentRefs: [{ name: 'api', kind: 'Service', port: 80 }] },
        ...(status === undefined ? {} : { status }),
      },
    });
    const verdict: ObjectVerdict = {
      refs: [
        {
          ref: { name: 'api', kind: 'Service', port: 80 },
          conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok' }],
        },
      ],
    };
    await writer.write([routeAt('7')], () => verdict);
    const sent = api.patches[0].body as { status: unknown };
    // The echo, every object's keys sorted as the API server's encoder writes them.
    const echoed = JSON.parse(
      JSON.stringify(sent.status, (_k, v: unknown) =>
        typeof v === 'object' && v !== null && !Array.isArray(v)
          ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
          : v,
      ),
    ) as unknown;
    expect(await writer.write([routeAt('8', echoed)], () => verdict)).toBe(0);
    expect(api.patches).toHaveLength(1);
  });

  it('keeps the transition time while the status and reason stay, whatever the message', async () => {
    const before = {
      conditions: [
        {
          type: 'Accepted',
          status: 'True',
          reason: 'Accepted',
          message: 'older words',
          observedGeneration: 6,
          lastTransitionTime: '2026-12-01T09:00:00Z',
        },
      ],
    };
    await writer.write([peerAuthentication('50', before)], () => accepted);
    const body = api.patches[0].body as { status: { conditions: Record<string, unknown>[] } };
    expect(body.status.conditions[0]).toMatchObject({
      lastTransitionTime: '2026-12-01T09:00:00Z',
      observedGeneration: 7,
      message: 'mTLS STRICT',
    });
  });

  it('skips an object whose statuses are not computed yet, and reports a refused patch', async () => {
    expect(await writer.write([peerAuthentication('41')], () => undefined)).toBe(0);
    const route: StatusTarget = {
      kind: routes,
      object: {
        metadata: { name: 'r', namespace: 'shop', uid: 'u2', generation: 1, resourceVersion: '9' },
        spec: { parentRefs: [{ kind: 'Service', name: 'api' }] },
      },
    };
    api.refusePatches(
      409,
      'the object has been modified; please apply your changes to the latest version',
    );
    expect(await writer.write([route], () => ({ invalid: [] }))).toBe(0);
    expect(errors).toEqual([expect.stringMatching(/^status of HTTPRoute shop\/r: .*409/)]);
  });
});
