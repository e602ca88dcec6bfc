// Unit spec for projectDestinations: which resources each Service's bundle holds, and the aliases.
import { describe, expect, it } from '@jest/globals';
import {
  parseResource,
  type DestinationBundle,
  type PolicyBundle,
  type Resource,
} from '@app/protocol';
import type { Stored } from './config-view.js';
import { projectDestinations } from './destination-projection.js';

function stored(raw: Record<string, unknown>): [string, Stored] {
  const parsed = parseResource(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const r: Resource = parsed.value;
  const key = `${r.kind.toLowerCase()}.${r.metadata.namespace}.${r.metadata.name}`;
  return [key, { resource: r, source: 'api', json: JSON.stringify(r) }];
}

const svc = (name: string, namespace = 'default') =>
  stored({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: { app: name } },
  });

describe('projectDestinations', () => {
  const desired = new Map([
    svc('b'),
    svc('b-v1'),
    svc('c', 'shop'),
    stored({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'split' },
      spec: {
        parentRefs: [
          { kind: 'Service', name: 'b' },
          { kind: 'Service', name: 'c', namespace: 'shop' },
          { name: 'edge' },
        ],
        rules: [{ backendRefs: [{ name: 'b-v1' }] }],
      },
    }),
    stored({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'TrafficPolicy',
      metadata: { name: 'retries' },
      spec: { targetRefs: [{ kind: 'Service', name: 'b-v1' }], retryBudget: { retryRatio: 0.2 } },
    }),
    stored({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'ExternalService',
      metadata: { name: 'payments' },
      spec: {
        hosts: ['payments.example.com', 'pay.example.com'],
        endpoints: [{ address: '10.0.0.1', port: 443 }],
      },
    }),
  ]);
  const projected = projectDestinations(desired);
  const bundle = (key: string) => JSON.parse(projected.get(key)!) as DestinationBundle;

  it("puts each resource in the bundle of every Service its callers reach it by: itself, a route's Service parents, a policy's targets", () => {
    expect([...projected.keys()].filter((k) => k.startsWith('dst.')).sort()).toEqual([
      'dst.default.b',
      'dst.default.b-v1',
      'dst.default.payments',
      'dst.shop.c',
    ]);
    expect(bundle('dst.default.b').resources.map((r) => r.key)).toEqual([
      'httproute.default.split',
      'service.default.b',
    ]);
    expect(bundle('dst.shop.c').resources.map((r) => r.key)).toEqual([
      'httproute.default.split',
      'service.shop.c',
    ]);
    expect(bundle('dst.default.b-v1').resources.map((r) => r.key)).toEqual([
      'service.default.b-v1',
      'trafficpolicy.default.retries',
    ]);
    expect(bundle('dst.default.b')).toMatchObject({ v: 1, namespace: 'default', service: 'b' });
    expect(bundle('dst.default.b').resources[1]).toMatchObject({
      source: 'api',
      resource: { kind: 'Service', metadata: { name: 'b' } },
    });
  });

  it('names the Service behind each extra hostname of an ExternalService', () => {
    expect(JSON.parse(projected.get('alias.pay.example.com')!)).toEqual({
      v: 1,
      host: 'pay.example.com',
      namespace: 'default',
      service: 'payments',
    });
    expect(projected.has('alias.payments.example.com')).toBe(true);
  });

  it('projects the same state to the same JSON, whatever order it was built in', () => {
    expect(projectDestinations(new Map([...desired].reverse()))).toEqual(projected);
  });

  it("puts each namespace's PeerAuthentications in its policy bundle, and in no destination bundle", () => {
    const policy = (name: string, namespace: string) =>
      stored({
        apiVersion: 'weft.dev/v1alpha1',
        kind: 'PeerAuthentication',
        metadata: { name, namespace },
        spec: { mtls: { mode: 'PERMISSIVE' } },
      });
    const withPolicies = new Map([
      ...desired,
      policy('mesh', 'weft-system'),
      policy('b', 'shop'),
      policy('a', 'shop'),
    ]);
    const out = projectDestinations(withPolicies);
    const shop = JSON.parse(out.get('policies.shop')!) as PolicyBundle;
    expect(shop.namespace).toBe('shop');
    expect(shop.resources.map((r) => r.key)).toEqual([
      'peerauthentication.shop.a',
      'peerauthentication.shop.b',
    ]);
    const mesh = JSON.parse(out.get('policies.weft-system')!) as PolicyBundle;
    expect(mesh.resources.map((r) => r.key)).toEqual(['peerauthentication.weft-system.mesh']);
    expect(out.has('policies.default')).toBe(false);
    const everyDestination = [...out.keys()].filter((k) => k.startsWith('dst.'));
    for (const key of everyDestination)
      expect(bundle(key).resources.some((r) => r.key.startsWith('peerauthentication.'))).toBe(
        false,
      );
  });

  it("puts AuthorizationPolicies in their namespace's policy bundle beside its PeerAuthentications", () => {
    const withPolicies = new Map([
      ...desired,
      stored({
        apiVersion: 'weft.dev/v1alpha1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'deny-all', namespace: 'shop' },
        spec: { action: 'DENY', rules: [{}] },
      }),
      stored({
        apiVersion: 'weft.dev/v1alpha1',
        kind: 'PeerAuthentication',
        metadata: { name: 'strict', namespace: 'shop' },
        spec: { mtls: { mode: 'STRICT' } },
      }),
    ]);
    const out = projectDestinations(withPolicies);
    const shop = JSON.parse(out.get('policies.shop')!) as PolicyBundle;
    expect(shop.resources.map((r) => r.key)).toEqual([
      'authorizationpolicy.shop.deny-all',
      'peerauthentication.shop.strict',
    ]);
    for (const key of [...out.keys()].filter((k) => k.startsWith('dst.')))
      expect(bundle(key).resources.some((r) => r.key.startsWith('authorizationpolicy.'))).toBe(
        false,
      );
  });
});
