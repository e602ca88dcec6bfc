// Unit spec for compileRouteTable: Gateway API precedence, service host names, default routes, backends, errors.
import { describe, expect, it } from '@jest/globals';
import {
  parseResource,
  type ExternalService,
  type HTTPRoute,
  type Result,
  type Service,
} from '@app/protocol';
import { ClusterRegistry } from '../upstream/cluster-registry.js';
import { compileRouteTable, serviceHostnames, type RouteSources } from './route-compiler.js';
import type { RouteTable } from './route-table.js';

const NS = 'shop';

function parsed<T>(raw: unknown): T {
  const result = parseResource(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value as T;
}

function service(name: string, namespace = NS): Service {
  return parsed({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: { app: name } },
  });
}

/** An HTTPRoute attached (GAMMA) to Service `parent`, with the given rules. */
function route(name: string, rules: unknown[], parent = 'reviews', namespace = NS): HTTPRoute {
  return parsed({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace },
    spec: { parentRefs: [{ kind: 'Service', name: parent }], rules },
  });
}

function sources(over: Partial<RouteSources>): RouteSources {
  return {
    revision: 3,
    services: [service('reviews')],
    routes: [],
    externalServices: [],
    endpointSets: new Set(),
    localNamespace: NS,
    defaultTimeoutMs: 15_000,
    ...over,
  };
}

function table(result: Result<RouteTable>): RouteTable {
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

function compile(over: Partial<RouteSources>, clusters = new ClusterRegistry()): RouteTable {
  return table(compileRouteTable(sources(over), clusters));
}

/** Name of the rule (`HTTPRoute/ns/name#i`) a request to `reviews` resolves to. */
function winner(
  t: RouteTable,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): string | undefined {
  return t.host('reviews')?.resolve(path, '', method, headers)?.route.name;
}

const prefix = (value: string) => ({ path: { type: 'PathPrefix', value } });
const exact = (value: string) => ({ path: { type: 'Exact', value } });
const to = (name: string) => [{ name }];

describe('compileRouteTable', () => {
  describe('host names', () => {
    it('answers to svc.ns, svc.ns.svc, the cluster-local and clusterset FQDNs and the short name locally', () => {
      const t = compile({});
      const vhost = t.host('reviews');
      expect(vhost?.service).toBe('reviews');
      for (const host of [
        'reviews.shop',
        'reviews.shop.svc',
        'reviews.shop.svc.cluster.local',
        'reviews.shop.svc.clusterset.local',
      ]) {
        expect(t.host(host)).toBe(vhost);
      }
      expect(t.revision).toBe(3);
      expect(t.hostCount).toBe(5);
    });

    it('gives the short name only to services of the local namespace', () => {
      const t = compile({ services: [service('reviews'), service('ratings', 'other')] });
      expect(t.host('ratings')).toBeUndefined();
      expect(t.host('ratings.other')?.service).toBe('ratings');
      expect(t.host('ratings.other.svc.cluster.local')?.service).toBe('ratings');
      expect(serviceHostnames('ratings', 'other', NS)).not.toContain('ratings');
      expect(serviceHostnames('ratings', 'other', 'other')).toContain('ratings');
    });

    it('keeps same-named services of two namespaces apart', () => {
      const t = compile({ services: [service('reviews'), service('reviews', 'other')] });
      const local = t.host('reviews')?.resolve('/', '', 'GET', {})?.route.name;
      const other = t.host('reviews.other')?.resolve('/', '', 'GET', {})?.route.name;
      expect(local).toBe('default/shop/reviews');
      expect(other).toBe('default/other/reviews');
    });
  });

  describe('default route', () => {
    it('sends every request of a Service with no HTTPRoute to its own cluster', () => {
      const clusters = new ClusterRegistry();
      const t = compile({ defaultTimeoutMs: 1234 }, clusters);
      const r = t.host('reviews')?.resolve('/any/path', '', 'DELETE', {})?.route;
      expect(r?.name).toBe('default/shop/reviews');
      expect(r?.timeoutMs).toBe(1234);
      expect(r?.backends).toHaveLength(1);
      expect(r?.backends[0].name).toBe('shop/reviews');
      expect(r?.backends[0].cluster).toBe(clusters.get('shop/reviews'));
    });

    it('routes a service known only from its endpoint set', () => {
      const t = compile({ services: [], endpointSets: new Set(['shop/legacy']) });
      expect(t.host('legacy')?.resolve('/', '', 'GET', {})?.route.name).toBe('default/shop/legacy');
    });

    it('ignores routes whose parentRef is a Gateway (the default parent kind)', () => {
      const edge = parsed<HTTPRoute>({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'edge', namespace: NS },
        spec: { parentRefs: [{ name: 'reviews' }], rules: [{ backendRefs: to('ratings') }] },
      });
      expect(winner(compile({ routes: [edge] }), '/')).toBe('default/shop/reviews');
    });

    it('replaces the default route once an HTTPRoute attaches: unmatched paths get none', () => {
      const t = compile({ routes: [route('api', [{ matches: [prefix('/api')] }])] });
      expect(winner(t, '/api/x')).toBe('HTTPRoute/shop/api#0');
      expect(winner(t, '/other')).toBeUndefined();
    });
  });

  describe('Gateway API precedence', () => {
    it('prefers an Exact match over a PathPrefix of the same length declared first', () => {
      const t = compile({
        routes: [
          route('r', [{ matches: [prefix('/api/items')] }, { matches: [exact('/api/items')] }]),
        ],
      });
      expect(winner(t, '/api/items')).toBe('HTTPRoute/shop/r#1');
      expect(winner(t, '/api/items/7')).toBe('HTTPRoute/shop/r#0');
    });

    it('prefers an Exact match over a longer-valued prefix from an earlier route', () => {
      const t = compile({
        routes: [
          route('a', [{ matches: [prefix('/api/items/')] }]),
          route('b', [{ matches: [exact('/api/items')] }]),
        ],
      });
      expect(winner(t, '/api/items')).toBe('HTTPRoute/shop/b#0');
    });

    it('prefers the longer prefix over the shorter, whatever the declaration order', () => {
      const t = compile({
        routes: [route('r', [{ matches: [prefix('/api')] }, { matches: [prefix('/api/v2')] }])],
      });
      expect(winner(t, '/api/v2/items')).toBe('HTTPRoute/shop/r#1');
      expect(winner(t, '/api/v1/items')).toBe('HTTPRoute/shop/r#0');
      expect(winner(t, '/api/v2x')).toBe('HTTPRoute/shop/r#0');
    });

    it('prefers a method match over none, but only among equal paths', () => {
      const t = compile({
        routes: [
          route('r', [
            { matches: [prefix('/api')] },
            { matches: [{ ...prefix('/api'), method: 'POST' }] },
            { matches: [prefix('/api/long')] },
          ]),
        ],
      });
      expect(winner(t, '/api/x', 'POST')).toBe('HTTPRoute/shop/r#1');
      expect(winner(t, '/api/x', 'GET')).toBe('HTTPRoute/shop/r#0');
      expect(winner(t, '/api/long', 'POST')).toBe('HTTPRoute/shop/r#2');
    });

    it('prefers the match with more header matches', () => {
      const header = (name: string, value: string) => ({ name, value });
      const t = compile({
        routes: [
          route('r', [
            { matches: [{ headers: [header('x-user', 'alice')] }] },
            { matches: [{ headers: [header('x-user', 'alice'), header('X-Canary', 'yes')] }] },
          ]),
        ],
      });
      expect(winner(t, '/', 'GET', { 'x-user': 'alice', 'x-canary': 'yes' })).toBe(
        'HTTPRoute/shop/r#1',
      );
      expect(winner(t, '/', 'GET', { 'x-user': 'alice' })).toBe('HTTPRoute/shop/r#0');
      expect(winner(t, '/', 'GET', { 'x-user': 'bob' })).toBeUndefined();
    });

    it('breaks ties by route namespace/name, not by input order', () => {
      const rules = [{ matches: [prefix('/api')] }];
      const routes = [route('zeta', rules), route('alpha', rules), route('mid', rules)];
      expect(winner(compile({ routes }), '/api')).toBe('HTTPRoute/shop/alpha#0');
      expect(winner(compile({ routes: [...routes].reverse() }), '/api')).toBe(
        'HTTPRoute/shop/alpha#0',
      );
    });

    it('breaks ties inside one route by rule order', () => {
      const t = compile({
        routes: [route('r', [{ matches: [prefix('/api')] }, { matches: [prefix('/api')] }])],
      });
      expect(winner(t, '/api')).toBe('HTTPRoute/shop/r#0');
    });

    it('ranks a RegularExpression between Exact and PathPrefix (implementation-specific)', () => {
      const t = compile({
        routes: [
          route('r', [
            { matches: [prefix('/api/items')] },
            { matches: [{ path: { type: 'RegularExpression', value: '/api/.*' } }] },
            { matches: [exact('/api/items')] },
          ]),
        ],
      });
      expect(winner(t, '/api/items')).toBe('HTTPRoute/shop/r#2');
      expect(winner(t, '/api/items/1')).toBe('HTTPRoute/shop/r#1');
    });

    it('treats the matches of one rule as alternatives', () => {
      const t = compile({
        routes: [route('r', [{ matches: [exact('/a'), { ...prefix('/b'), method: 'PUT' }] }])],
      });
      expect(winner(t, '/a')).toBe('HTTPRoute/shop/r#0');
      expect(winner(t, '/b/1', 'PUT')).toBe('HTTPRoute/shop/r#0');
      expect(winner(t, '/b/1', 'GET')).toBeUndefined();
    });
  });

  describe('backends', () => {
    it('resolves known services to their shared cluster and weights them cumulatively', () => {
      const clusters = new ClusterRegistry();
      const t = compile(
        {
          services: [service('reviews'), service('reviews-v1')],
          endpointSets: new Set(['shop/reviews-v2']),
          routes: [
            route('split', [
              {
                backendRefs: [
                  { name: 'reviews-v1', weight: 80 },
                  { name: 'reviews-v2', weight: 20 },
                ],
              },
            ]),
          ],
        },
        clusters,
      );
      const r = t.host('reviews')?.resolve('/', '', 'GET', {})?.route;
      expect(r?.totalWeight).toBe(100);
      expect(r?.backends.map((b) => [b.name, b.cumulativeWeight])).toEqual([
        ['shop/reviews-v1', 80],
        ['shop/reviews-v2', 100],
      ]);
      expect(r?.backends[0].cluster).toBe(clusters.get('shop/reviews-v1'));
      expect(r?.backends[1].cluster).toBe(clusters.get('shop/reviews-v2'));
    });

    it('leaves the cluster undefined for a backendRef to an unknown service', () => {
      const t = compile({ routes: [route('r', [{ backendRefs: to('ghost') }])] });
      const backend = t.host('reviews')?.resolve('/', '', 'GET', {})?.route.backends[0];
      expect(backend?.name).toBe('shop/ghost');
      expect(backend?.cluster).toBeUndefined();
    });

    it('treats a name known only as a parentRef as no Service, whatever the route order', () => {
      // `canary` has no Service and no endpoint set; route `b` attaches to it, route `a` sends to it.
      const a = route('a', [{ backendRefs: to('canary') }]);
      const b = route('b', [{ backendRefs: to('reviews') }], 'canary');
      for (const routes of [
        [a, b],
        [b, a],
      ]) {
        const t = compile({ routes });
        expect(
          t.host('reviews')?.resolve('/', '', 'GET', {})?.route.backends[0].cluster,
        ).toBeUndefined();
        expect(t.host('canary')).toBeUndefined();
      }
    });

    it('resolves a backendRef namespace against that namespace, not the route’s', () => {
      const t = compile({
        services: [service('reviews'), service('ratings', 'other')],
        routes: [
          route('r', [
            { backendRefs: [{ name: 'ratings', namespace: 'other' }, { name: 'ratings' }] },
          ]),
        ],
      });
      const backends = t.host('reviews')?.resolve('/', '', 'GET', {})?.route.backends;
      expect(backends?.map((b) => [b.name, b.cluster?.key])).toEqual([
        ['other/ratings', 'other/ratings'],
        ['shop/ratings', undefined],
      ]);
    });

    it('uses the rule timeout, falling back to the default', () => {
      const t = compile({
        defaultTimeoutMs: 15_000,
        routes: [
          route('r', [
            { matches: [prefix('/slow')], timeouts: { request: '1m30s' } },
            { matches: [prefix('/fast')], timeouts: { request: '10s', backendRequest: '500ms' } },
            { matches: [prefix('/plain')] },
          ]),
        ],
      });
      const timeout = (path: string) =>
        t.host('reviews')?.resolve(path, '', 'GET', {})?.route.timeoutMs;
      expect(timeout('/slow')).toBe(90_000);
      expect(timeout('/fast')).toBe(500);
      expect(timeout('/plain')).toBe(15_000);
    });

    it('keeps timeouts.request as the whole exchange’s timeout, apart from the per-try one', () => {
      const t = compile({
        routes: [
          route('r', [
            {
              matches: [prefix('/both')],
              timeouts: { request: '2s', backendRequest: '500ms' },
              retry: { codes: [503], attempts: 3 },
            },
            { matches: [prefix('/off')], timeouts: { request: '0s' } },
            { matches: [prefix('/retry')], retry: { codes: [503] } },
          ]),
        ],
      });
      const timeouts = (path: string) => {
        const r = t.host('reviews')?.resolve(path, '', 'GET', {})?.route;
        return [r?.timeoutMs, r?.requestTimeoutMs];
      };
      expect(timeouts('/both')).toEqual([500, 2_000]);
      expect(timeouts('/off')).toEqual([0, 0]);
      expect(timeouts('/retry')).toEqual([15_000, 0]);
    });

    it('knows an ExternalService by its name and by the hosts it lists', () => {
      const payments = parsed<ExternalService>({
        apiVersion: 'weft.dev/v1alpha1',
        kind: 'ExternalService',
        metadata: { name: 'payments', namespace: NS },
        spec: { hosts: ['pay.example.com'], endpoints: [{ address: '127.0.0.1', port: 9100 }] },
      });
      const t = compile({ externalServices: [payments] });
      expect(t.host('payments')?.resolve('/', '', 'GET', {})?.route.name).toBe(
        'default/shop/payments',
      );
      expect(t.host('pay.example.com')).toBe(t.host('payments'));
    });

    it('compiles retry on status codes, with defaults for unset attempts and backoff; attempts alone (for gRPC statuses) resend no status', () => {
      const t = compile({
        routes: [
          route('r', [
            {
              matches: [prefix('/a')],
              retry: { codes: [502, 503], attempts: 3, backoff: '100ms' },
            },
            { matches: [prefix('/b')], retry: { codes: [503] } },
            { matches: [prefix('/c')], retry: { attempts: 2 } },
            { matches: [prefix('/d')], retry: {} },
          ]),
        ],
      });
      const retry = (path: string) => t.host('reviews')?.resolve(path, '', 'GET', {})?.route.retry;
      expect(retry('/a')).toEqual({ codes: new Set([502, 503]), attempts: 3, backoffMs: 100 });
      expect(retry('/b')).toEqual({ codes: new Set([503]), attempts: 1, backoffMs: 25 });
      expect(retry('/c')).toEqual({ codes: new Set(), attempts: 2, backoffMs: 25 });
      expect(retry('/d')).toBeUndefined();
    });

    it('attaches a route to a Service in another namespace through parentRef.namespace', () => {
      const cross = parsed<HTTPRoute>({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'cross', namespace: NS },
        spec: {
          parentRefs: [{ kind: 'Service', name: 'ratings', namespace: 'other' }],
          rules: [{ backendRefs: to('reviews') }],
        },
      });
      const t = compile({
        services: [service('reviews'), service('ratings', 'other')],
        routes: [cross],
      });
      expect(t.host('ratings.other')?.resolve('/', '', 'GET', {})?.route.name).toBe(
        'HTTPRoute/shop/cross#0',
      );
      expect(winner(t, '/')).toBe('default/shop/reviews');
    });
  });

  describe('parentRef port (GEP-957, HTTPRouteParentRefPort)', () => {
    const ported = (name: string, parent: Record<string, unknown>, namespace = NS) =>
      parsed<HTTPRoute>({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name, namespace },
        spec: { parentRefs: [{ kind: 'Service', name: 'reviews', ...parent }], rules: [{}] },
      });
    const withPorts = parsed<Service>({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'reviews', namespace: NS },
      spec: {
        ports: [
          { name: 'http', port: 80 },
          { name: 'admin', port: 9090 },
        ],
      },
    });
    const at = (t: RouteTable, port?: number) =>
      t.host('reviews', port)?.resolve('/', '', 'GET', {})?.route.name;

    it('binds a route with a port to requests for that Service port only', () => {
      const t = compile({ routes: [ported('on-80', { port: 80 })] });
      expect([at(t, 80), at(t, 8080), at(t)]).toEqual([
        'HTTPRoute/shop/on-80#0',
        'default/shop/reviews',
        'default/shop/reviews',
      ]);
    });

    it('merges port-less routes into every port, ranked with the port-bound ones', () => {
      const bound = ported('on-80', { port: 80 });
      bound.spec.rules = [{ matches: [exact('/x')] } as HTTPRoute['spec']['rules'][number]];
      const t = compile({ routes: [ported('all', {}), bound] });
      const x = (port: number) => t.host('reviews', port)?.resolve('/x', '', 'GET', {})?.route.name;
      expect([x(80), x(8080), at(t, 80)]).toEqual([
        'HTTPRoute/shop/on-80#0',
        'HTTPRoute/shop/all#0',
        'HTTPRoute/shop/all#0',
      ]);
    });

    it("takes sectionName as the name of one of the Service's ports", () => {
      const t = compile({
        services: [withPorts],
        routes: [ported('admin-only', { sectionName: 'admin' })],
      });
      expect([at(t, 9090), at(t, 80)]).toEqual([
        'HTTPRoute/shop/admin-only#0',
        'default/shop/reviews',
      ]);
    });

    it('binds nothing through a port or sectionName the Service does not have', () => {
      const t = compile({
        services: [withPorts],
        routes: [
          ported('no-port', { port: 8443 }),
          ported('no-name', { sectionName: 'grpc' }),
          ported('disagree', { sectionName: 'http', port: 9090 }),
        ],
      });
      for (const port of [80, 8443, 9090]) expect(at(t, port)).toBe('default/shop/reviews');
    });
  });

  describe('producer and consumer routes (GEP-1294, MeshConsumerRoute)', () => {
    const onReviews = (name: string, namespace: string) =>
      parsed<HTTPRoute>({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name, namespace },
        spec: {
          parentRefs: [{ kind: 'Service', name: 'reviews', namespace: NS }],
          rules: [{ backendRefs: [{ name: 'reviews', namespace: NS }] }],
        },
      });
    const routes = [onReviews('producer', NS), onReviews('consumer', 'web')];
    const seenFrom = (callers: string, rs = routes) =>
      compile({ routes: rs, localNamespace: callers })
        .host('reviews.shop')
        ?.resolve('/', '', 'GET', {})?.route.name;

    it("gives callers of the consumer route's namespace its route, instead of the producer's", () => {
      expect(seenFrom('web')).toBe('HTTPRoute/web/consumer#0');
    });

    it("gives callers of every other namespace the producer's route", () => {
      expect([seenFrom(NS), seenFrom('billing')]).toEqual([
        'HTTPRoute/shop/producer#0',
        'HTTPRoute/shop/producer#0',
      ]);
    });

    it("never applies another namespace's consumer route", () => {
      expect(seenFrom('billing', [onReviews('consumer', 'web')])).toBe('default/shop/reviews');
    });
  });

  describe('errors', () => {
    it('names the route and the match of an invalid regular expression', () => {
      // parseResource may reject these already; the compiler must still refuse values that
      // reach it another way (a disk cache written by an older build is not re-validated).
      const bad = route('bad', [
        { matches: [prefix('/ok')] },
        {
          matches: [
            prefix('/fine'),
            { path: { type: 'RegularExpression', value: '/valid' } },
            { headers: [{ name: 'x-id', type: 'RegularExpression', value: 'valid' }] },
          ],
        },
      ]);
      const matches = bad.spec.rules[1].matches ?? [];
      matches[1].path!.value = '/(unclosed';
      matches[2].headers![0].value = '[z-a]';

      const result = compileRouteTable(
        sources({ routes: [route('good', [{ matches: [prefix('/')] }]), bad] }),
        new ClusterRegistry(),
      );
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.errors.map((e) => [e.resource, e.path])).toEqual([
        ['HTTPRoute/shop/bad', 'spec.rules[1].matches[1]'],
        ['HTTPRoute/shop/bad', 'spec.rules[1].matches[2]'],
      ]);
      for (const e of result.errors) expect(e.message).toMatch(/regular expression/i);
    });
  });
});
