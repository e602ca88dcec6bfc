// Unit spec for RouteConfigurator: a snapshot is planned whole and committed in one step; a rejected
// one leaves endpoints, policies, clusters, the table and bus memberships as they were; the state of
// policy parts survives a commit that leaves their settings alone; endpoint sets apply in place.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  EndpointSet,
  keyOf,
  parseInto,
  parseResource,
  type HTTPRoute,
  type Resource,
} from '@app/protocol';
import { ServedServices } from '../bus/served-services.js';
import { PolicyHolder } from '../policy/mesh-policies.js';
import { RouteTableHolder } from '../routing/route-table-holder.js';
import { ClusterRegistry } from '../upstream/cluster-registry.js';
import { PoolRegistry } from '../upstream/pool-registry.js';
import { MeshState } from './mesh-state.js';
import { RouteConfigurator } from './route-configurator.js';

const NS = 'shop';

function resource<T extends Resource>(raw: object): T {
  const parsed = parseResource(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value as T;
}

const service = (name: string): Resource =>
  resource({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS },
    spec: { selector: { app: name } },
  });

const policy = (name: string, spec: object): Resource =>
  resource({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'TrafficPolicy',
    metadata: { name, namespace: NS },
    spec: { targetRefs: [{ kind: 'Service', name: 'reviews' }], ...spec },
  });

const external = (name: string, spec: object): Resource =>
  resource({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'ExternalService',
    metadata: { name, namespace: NS },
    spec: { endpoints: [{ address: '127.0.0.1', port: 9100 }], ...spec },
  });

/** A route to `reviews` whose path regex compiles only when `valid`. */
function route(valid: boolean): Resource {
  const parsed = resource<HTTPRoute>({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'by-path', namespace: NS },
    spec: {
      parentRefs: [{ kind: 'Service', name: 'reviews' }],
      rules: [
        {
          matches: [{ path: { type: 'RegularExpression', value: '/v[0-9]+' } }],
          backendRefs: [{ name: 'reviews', port: 9080 }],
        },
      ],
    },
  });
  // The protocol checks the shape; the compile is what finds a pattern that does not compile.
  if (!valid) parsed.spec.rules[0].matches![0].path!.value = '/(unclosed';
  return parsed;
}

function endpointSet(name: string, ...instances: string[]): EndpointSet {
  const raw = {
    v: 1,
    namespace: NS,
    service: name,
    updatedAt: 1,
    endpoints: instances.map((instanceId, i) => ({
      namespace: NS,
      service: name,
      serviceAccount: 'sa',
      instanceId,
      address: `10.0.0.${i + 1}`,
      port: 9080,
      labels: { app: name },
    })),
  };
  const set = parseInto(EndpointSet, raw, `endpoints.${NS}.${name}`);
  if (!set.ok) throw new Error(JSON.stringify(set.errors));
  return set.value;
}

function snapshot(revision: number, resources: Resource[], sets: EndpointSet[]): MeshState {
  const state = new MeshState();
  state.revision = revision;
  for (const r of resources) state.resources.set(keyOf(r), r);
  for (const set of sets) state.endpointSets.set(`${NS}/${set.service}`, set);
  return state;
}

describe('RouteConfigurator', () => {
  let routes: RouteTableHolder;
  let clusters: ClusterRegistry;
  let pools: PoolRegistry;
  let served: ServedServices;
  let policies: PolicyHolder;
  let configurator: RouteConfigurator;
  /** What the bus responder of instance r1 was told to serve, in order. */
  let r1Serves: string[][];
  let staticServes: string[][];

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    routes = new RouteTableHolder();
    clusters = new ClusterRegistry();
    pools = new PoolRegistry();
    served = new ServedServices();
    policies = new PolicyHolder();
    configurator = new RouteConfigurator(
      { routes, clusters, pools, served, policies },
      { localNamespace: NS, defaultTimeoutMs: 15_000 },
    );
    r1Serves = [];
    staticServes = [];
    served.followInstance('r1', (keys) => r1Serves.push([...keys]));
    served.followStatic((keys) => staticServes.push([...keys]));
  });

  afterEach(async () => {
    jest.useRealTimers();
    await pools.close();
  });

  const leastRequest = policy('lb', {
    loadBalancer: { type: 'LeastRequest' },
    connectionPool: { maxConnections: 4 },
  });

  function applyGood(): void {
    const good = snapshot(
      1,
      [service('reviews'), leastRequest, route(true), external('payments', {})],
      [endpointSet('reviews', 'r1')],
    );
    expect(configurator.applySnapshot(good)).toEqual({ ok: true });
  }

  it('commits a snapshot: the table, each cluster’s endpoints and policy, memberships and ExternalServices', () => {
    applyGood();
    const table = routes.current;
    expect(table.revision).toBe(1);
    const backend = table.host('reviews')?.resolve('/v2', '', 'GET', {})?.route.backends[0];
    const reviews = clusters.find('shop/reviews')!;
    expect(backend?.cluster).toBe(reviews);
    expect(reviews.all.map((e) => e.instanceId)).toEqual(['r1']);
    expect(reviews.policy.traffic.loadBalancer).toEqual({ type: 'LeastRequest' });
    expect(reviews.policy.poolVariant?.connections).toBe(4);
    expect(clusters.find('shop/payments')?.all.map((e) => e.origin)).toEqual([
      'http://127.0.0.1:9100',
    ]);
    expect(r1Serves).toEqual([[], ['shop/reviews']]);
    expect(staticServes).toEqual([[], ['shop/payments']]);
  });

  it('commits the policy resources by kind, apart from Services and ExternalServices', () => {
    const strict = resource({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'PeerAuthentication',
      metadata: { name: 'strict', namespace: NS },
      spec: { mtls: { mode: 'STRICT' } },
    });
    const seen: string[][] = [];
    policies.watch((p) => seen.push(p.ofKind('PeerAuthentication').map((r) => r.metadata.name)));
    const state = snapshot(1, [service('reviews'), strict], [endpointSet('reviews', 'r1')]);
    expect(configurator.applySnapshot(state)).toEqual({ ok: true });
    expect(seen).toEqual([['strict']]);
    expect(clusters.find('shop/strict')).toBeUndefined();
    expect(staticServes).toEqual([[], []]);
  });

  it('leaves endpoints, policies, clusters, the table and memberships untouched when a snapshot is rejected', () => {
    applyGood();
    const table = routes.current;
    const reviews = clusters.find('shop/reviews')!;
    const [endpoints, reviewsPolicy] = [reviews.all, reviews.policy];
    const keys = [...clusters.keys()];

    // New endpoints for reviews and a new Service, another policy, and a route that cannot compile.
    const bad = snapshot(
      2,
      [
        service('reviews'),
        service('ratings'),
        policy('lb', { outlierDetection: { consecutive5xx: 1 } }),
        route(false),
      ],
      [endpointSet('reviews', 'r2', 'r3'), endpointSet('ratings', 'r1')],
    );
    const outcome = configurator.applySnapshot(bad);

    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toContain('HTTPRoute/shop/by-path');
    expect(routes.current).toBe(table);
    expect(reviews.all).toBe(endpoints);
    expect(reviews.policy).toBe(reviewsPolicy);
    expect([...clusters.keys()]).toEqual(keys);
    expect(clusters.find('shop/ratings')).toBeUndefined();
    expect(r1Serves).toEqual([[], ['shop/reviews']]);
    expect(staticServes).toEqual([[], ['shop/payments']]);
    expect(reviews.pick()?.instanceId).toBe('r1');
  });

  it('rejects an ExternalService whose TLS file cannot be read, naming the field, and changes nothing', () => {
    applyGood();
    const table = routes.current;
    const payments = clusters.find('shop/payments')!;
    const [endpoints, paymentsPolicy] = [payments.all, payments.policy];
    const unreadable = external('payments', {
      tls: { mode: 'SIMPLE', caCertificates: '/nonexistent/weft-spec/ca.pem' },
    });
    const outcome = configurator.applySnapshot(
      snapshot(2, [service('reviews'), unreadable], [endpointSet('reviews', 'r2')]),
    );

    expect(!outcome.ok && outcome.error).toContain('spec.tls.caCertificates');
    expect(routes.current).toBe(table);
    expect([payments.all, payments.policy]).toEqual([endpoints, paymentsPolicy]);
    expect(clusters.find('shop/reviews')?.all.map((e) => e.instanceId)).toEqual(['r1']);
  });

  it('keeps each policy part (and ejections) across a commit unless that part’s settings changed', () => {
    applyGood();
    const reviews = clusters.find('shop/reviews')!;
    const before = reviews.policy;
    const [r1] = reviews.all;
    reviews.eject(r1, 60_000);

    // Same balancer and limits, a retry budget added: only the budget is new.
    const budget = policy('lb', {
      loadBalancer: { type: 'LeastRequest' },
      connectionPool: { maxConnections: 4 },
      retryBudget: { retryRatio: 0.2, minRetriesPerSecond: 1, ttl: '10s' },
    });
    const next = snapshot(2, [service('reviews'), budget], [endpointSet('reviews', 'r1', 'r2')]);
    expect(configurator.applySnapshot(next)).toEqual({ ok: true });

    const after = reviews.policy;
    expect(after).not.toBe(before);
    expect(after.balancer).toBe(before.balancer);
    expect(after.breaker).toBe(before.breaker);
    expect(before.retryBudget).toBeUndefined();
    expect(after.retryBudget).toBeDefined();
    // r1 was ejected before the commit and still is.
    expect(reviews.pick()?.instanceId).toBe('r2');

    // Limits changed: a new breaker (its counts start over), the same balancer.
    const tighter = policy('lb', {
      loadBalancer: { type: 'LeastRequest' },
      connectionPool: { maxConnections: 2 },
    });
    expect(configurator.applySnapshot(snapshot(3, [service('reviews'), tighter], []))).toEqual({
      ok: true,
    });
    expect(reviews.policy.breaker).not.toBe(after.breaker);
    expect(reviews.policy.balancer).toBe(after.balancer);
    // A snapshot without the reviews set keeps the endpoints it has.
    expect(reviews.all.map((e) => e.instanceId)).toEqual(['r1', 'r2']);
  });

  it('applies an endpoint set between snapshots in place, and says when its Service is new to the table', () => {
    applyGood();
    const table = routes.current;
    expect(configurator.applyEndpoints('shop/reviews', endpointSet('reviews', 'r2'))).toBe(false);
    expect(clusters.find('shop/reviews')?.all.map((e) => e.instanceId)).toEqual(['r2']);
    expect(r1Serves).toEqual([[], ['shop/reviews'], []]);

    expect(configurator.applyEndpoints('shop/ratings', endpointSet('ratings', 'r1'))).toBe(true);
    expect(clusters.find('shop/ratings')?.size).toBe(1);
    expect(r1Serves.at(-1)).toEqual(['shop/ratings']);
    expect(routes.current).toBe(table);

    configurator.applyEndpoints('shop/reviews', undefined);
    expect(clusters.find('shop/reviews')?.pick()).toBeUndefined();
  });
});
