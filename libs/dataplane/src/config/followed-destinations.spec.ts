// Unit spec for FollowedDestinations: values taken by KV revision, bundles validated, markers read,
// what a marker says is behind, the snapshot handed to the route configurator, and what is dropped.
import { describe, expect, it } from '@jest/globals';
import { FollowedDestinations } from './followed-destinations.js';

const service = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { selector: { app: name } },
});
const route = (backends: string[]) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'b-split', namespace: 'default' },
  spec: {
    parentRefs: [{ kind: 'Service', name: 'b' }],
    rules: [
      {
        backendRefs: backends.map((name) => ({ name })),
        filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow' } } }],
      },
    ],
  },
});
const bundle = (resources: [string, object][]) => ({
  v: 1,
  namespace: 'default',
  service: 'b',
  resources: resources.map(([key, resource]) => ({ key, source: 'api', resource })),
});
const endpoints = (ids: string[]) => ({
  v: 1,
  namespace: 'default',
  service: 'b',
  updatedAt: 1,
  endpoints: ids.map((instanceId) => ({
    instanceId,
    address: '127.0.0.1',
    port: 15006,
    labels: { app: 'b' },
    namespace: 'default',
    service: 'b',
    serviceAccount: 'b',
  })),
});

describe('FollowedDestinations', () => {
  it('holds the bundles and sets of followed Services only, newest KV revision winning', () => {
    const f = new FollowedDestinations();
    expect(f.take({ key: 'dst.default.b', seq: 3, value: bundle([]) })).toEqual({ kind: 'none' });
    expect(f.follow('default/b')).toBe(true);
    expect(f.follow('default/b')).toBe(false);
    const good = bundle([['service.default.b', service('b')]]);
    expect(f.take({ key: 'dst.default.b', seq: 5, value: good })).toEqual({
      kind: 'resources',
      service: 'default/b',
    });
    // An announcement older than a read that crossed it changes nothing.
    expect(f.take({ key: 'dst.default.b', seq: 4, value: bundle([]) })).toEqual({ kind: 'none' });
    expect(f.take({ key: 'endpoints.default.b', seq: 6, value: endpoints(['b1']) })).toMatchObject({
      kind: 'endpoints',
      service: 'default/b',
    });
    const state = f.toMeshState();
    expect([...state.resources.keys()]).toEqual(['service.default.b']);
    expect(state.endpointSets.get('default/b')?.endpoints.map((e) => e.instanceId)).toEqual(['b1']);
    expect(f.holdsAnything('default/b')).toBe(true);
    // A read that found nothing, answered after that announcement, changes nothing…
    f.take({ key: 'endpoints.default.b', seq: 0, value: undefined });
    expect(f.toMeshState().endpointSets.size).toBe(1);
    // …while a delete (announced one past the value it removed) empties the set.
    f.take({ key: 'endpoints.default.b', seq: 7, value: undefined });
    expect(f.toMeshState().endpointSets.size).toBe(0);
  });

  it('blocks compiles while a bundle holds an unusable resource, until it is written again', () => {
    const f = new FollowedDestinations();
    f.follow('default/b');
    const bad = bundle([['httproute.default.junk', { kind: 'HTTPRoute' }]]);
    expect(f.take({ key: 'dst.default.b', seq: 2, value: bad })).toMatchObject({
      kind: 'invalid',
      key: 'dst.default.b',
    });
    expect(f.blockingErrors).toContain('dst.default.b: ');
    f.take({ key: 'dst.default.b', seq: 3, value: bundle([['service.default.b', service('b')]]) });
    expect(f.blockingErrors).toBeUndefined();
  });

  it("names the backends and mirrors of a followed Service's routes", () => {
    const f = new FollowedDestinations();
    f.follow('default/b');
    f.follow('default/b-v1');
    f.take({
      key: 'dst.default.b',
      seq: 1,
      value: bundle([['httproute.default.b-split', route(['b-v1', 'b-v2'])]]),
    });
    expect(f.backendsOf(['default/b'])).toEqual(['default/b-v1', 'default/b-v2', 'default/shadow']);
  });

  it('reads a marker, and tells which projections it wrote are held older', () => {
    const f = new FollowedDestinations();
    f.follow('default/b');
    f.follow('default/c');
    f.followAlias('pay.example.com');
    f.take({ key: 'dst.default.b', seq: 5, value: bundle([['service.default.b', service('b')]]) });
    f.take({ key: 'alias.pay.example.com', seq: 7, value: undefined });
    const change = f.take({
      key: 'snapshot',
      seq: 9,
      value: { v: 1, revision: 4, source: 'api', appliedAt: 1, author: 'x' },
    });
    expect(change).toMatchObject({ kind: 'snapshot', revision: 4 });
    expect(f.revision).toBe(0);
    expect(
      f.behind([
        { key: 'dst.default.b', seq: 5 },
        { key: 'dst.default.c', seq: 8 },
        { key: 'dst.default.unfollowed', seq: 8 },
        { key: 'alias.pay.example.com', seq: 8 },
      ]),
    ).toEqual(['dst.default.c', 'alias.pay.example.com']);
    // A bundle deleted after the one held (the delete names one past the value it removed).
    expect(f.behind([{ key: 'dst.default.b', seq: 6 }])).toEqual(['dst.default.b']);
  });

  it('forgets an unfollowed Service and a forgotten alias: neither is in the snapshot, the disk copy, nor taken again', () => {
    const f = new FollowedDestinations();
    f.follow('default/b');
    f.followAlias('pay.example.com');
    f.take({ key: 'dst.default.b', seq: 1, value: bundle([['service.default.b', service('b')]]) });
    f.take({
      key: 'alias.pay.example.com',
      seq: 2,
      value: { v: 1, host: 'pay.example.com', namespace: 'default', service: 'b' },
    });
    expect([f.holdsAnything('default/b'), f.aliasTarget('pay.example.com')]).toEqual([
      true,
      'default/b',
    ]);
    f.unfollow('default/b');
    f.forgetAlias('pay.example.com');
    expect([f.followedServices(), f.aliasHosts(), f.toData().destinations]).toEqual([[], [], []]);
    expect([...f.toMeshState().resources.keys()]).toEqual([]);
    expect(f.take({ key: 'endpoints.default.b', seq: 3, value: endpoints(['b1']) })).toEqual({
      kind: 'none',
    });
  });

  it('reads aliases and memberships, refusing malformed ones with their key', () => {
    const f = new FollowedDestinations();
    // An alias nobody follows is not taken.
    const alias = { v: 1, host: 'pay.example.com', namespace: 'default', service: 'payments' };
    expect(f.take({ key: 'alias.pay.example.com', seq: 1, value: alias })).toEqual({
      kind: 'none',
    });
    f.followAlias('pay.example.com');
    expect(
      f.take({
        key: 'alias.pay.example.com',
        seq: 2,
        value: { v: 1, host: 'pay.example.com', namespace: 'default', service: 'payments' },
      }),
    ).toEqual({ kind: 'alias', host: 'pay.example.com', service: 'default/payments' });
    expect(
      f.take({
        key: 'member.default.b1',
        seq: 3,
        value: {
          v: 1,
          namespace: 'default',
          instanceId: 'b1',
          services: ['default/b', 'default/b-v1'],
        },
      }),
    ).toEqual({ kind: 'member', services: ['default/b', 'default/b-v1'] });
    // What the instances answer for is never dropped; a membership deleted lists nothing.
    expect(f.memberedServices()).toEqual(['default/b', 'default/b-v1']);
    expect(f.take({ key: 'member.default.b1', seq: 4, value: { v: 1 } })).toMatchObject({
      kind: 'invalid',
      key: 'member.default.b1',
    });
    f.take({ key: 'member.default.b1', seq: 5, value: undefined });
    expect(f.memberedServices()).toEqual([]);
  });

  describe('policy bundles', () => {
    const peerAuthentication = (name: string, namespace: string) => ({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'PeerAuthentication',
      metadata: { name, namespace },
      spec: { mtls: { mode: 'DISABLE' } },
    });
    const policies = (namespace: string, resources: object[]) => ({
      v: 1,
      namespace,
      resources: resources.map((resource, i) => ({ key: `k${i}`, source: 'api', resource })),
    });

    it("holds the followed namespaces' policies in the snapshot, newest KV revision winning", () => {
      const f = new FollowedDestinations();
      f.followPolicies('shop');
      expect(f.policyKeys()).toEqual(['policies.shop']);
      const taken = f.take({
        key: 'policies.shop',
        seq: 5,
        value: policies('shop', [peerAuthentication('a', 'shop')]),
      });
      expect(taken).toEqual({ kind: 'resources' });
      expect(f.take({ key: 'policies.shop', seq: 4, value: undefined })).toEqual({ kind: 'none' });
      expect(f.take({ key: 'policies.other', seq: 9, value: undefined })).toEqual({
        kind: 'none',
      });
      expect([...f.toMeshState().resources.keys()]).toEqual(['k0']);
      expect(f.behind([{ key: 'policies.shop', seq: 6 }])).toEqual(['policies.shop']);
      expect(f.behind([{ key: 'policies.shop', seq: 5 }])).toEqual([]);
      f.take({ key: 'policies.shop', seq: 7, value: undefined });
      expect(f.toMeshState().resources.size).toBe(0);
    });

    it("refuses a bundle holding another namespace's policy or a resource of another kind, and blocks compiles until fixed", () => {
      const f = new FollowedDestinations();
      f.followPolicies('shop');
      const foreign = f.take({
        key: 'policies.shop',
        seq: 1,
        value: policies('shop', [peerAuthentication('a', 'weft-system')]),
      });
      expect(foreign).toMatchObject({ kind: 'invalid', key: 'policies.shop' });
      expect(f.blockingErrors).toContain('must be a policy of namespace shop');
      const notPolicy = f.take({
        key: 'policies.shop',
        seq: 2,
        value: policies('shop', [service('b')]),
      });
      expect(notPolicy).toMatchObject({ kind: 'invalid' });
      f.take({ key: 'policies.shop', seq: 3, value: policies('shop', []) });
      expect(f.blockingErrors).toBeUndefined();
    });
  });
});
