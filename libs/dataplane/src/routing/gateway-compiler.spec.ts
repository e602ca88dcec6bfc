// Unit spec for an edge router's Gateway routes: listeners per port, hostnames (exact, wildcard,
// catch-all), the most precise listener of a port taking a host, and precedence within a host.
import { describe, expect, it } from '@jest/globals';
import { parseResource, type Gateway, type HTTPRoute, type Service } from '@app/protocol';
import { ClusterRegistry } from '../upstream/cluster-registry.js';
import { compileRouteTable } from './route-compiler.js';
import type { GatewayRoutes } from './gateway-routes.js';

function parsed<T>(raw: unknown): T {
  const result = parseResource(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value as T;
}

const service = (name: string): Service =>
  parsed({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: {} });

const tls = { certificateRefs: [{ name: 'cert' }] };

const gateway = parsed<Gateway>({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'edge' },
  spec: {
    gatewayClassName: 'weft',
    listeners: [
      { name: 'http', port: 80, protocol: 'HTTP' },
      { name: 'any-example', port: 443, protocol: 'HTTPS', hostname: '*.example.com', tls },
      { name: 'shop', port: 443, protocol: 'HTTPS', hostname: 'shop.example.com', tls },
    ],
  },
});

function route(name: string, spec: object): HTTPRoute {
  return parsed({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name },
    spec: { parentRefs: [{ name: 'edge' }], ...spec },
  });
}

const to = (backend: string, path?: string) => ({
  ...(path ? { matches: [{ path: { type: 'PathPrefix', value: path } }] } : {}),
  backendRefs: [{ name: backend }],
});

function compile(routes: HTTPRoute[]): GatewayRoutes {
  const result = compileRouteTable(
    {
      revision: 1,
      services: ['web', 'api', 'shop', 'other'].map(service),
      routes,
      externalServices: [],
      endpointSets: new Set(),
      localNamespace: 'default',
      defaultTimeoutMs: 15_000,
      gateway,
    },
    new ClusterRegistry(),
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value.gateway!;
}

/** The backend a request for `host` and `path` on `port` goes to, or undefined (404). */
function backendOf(
  table: GatewayRoutes,
  port: number,
  host: string,
  path = '/',
): string | undefined {
  const match = table.port(port)?.lookup(host)?.resolve(path, '', 'GET', {});
  return match?.route.backends[0]?.name;
}

describe('compileGatewayRoutes', () => {
  it('serves a route without hostnames on every host of a listener without hostname', () => {
    const table = compile([route('web', { rules: [to('web')] })]);
    expect(backendOf(table, 80, 'anything.test')).toBe('default/web');
  });

  it('routes by path within a host, in Gateway API precedence', () => {
    const table = compile([
      route('web', { hostnames: ['www.test'], rules: [to('web')] }),
      route('api', { hostnames: ['www.test'], rules: [to('api', '/api')] }),
    ]);
    expect(backendOf(table, 80, 'www.test', '/api/x')).toBe('default/api');
    expect(backendOf(table, 80, 'www.test', '/other')).toBe('default/web');
    expect(backendOf(table, 80, 'unknown.test')).toBeUndefined();
  });

  it('narrows a route without hostnames to its listener hostname', () => {
    const table = compile([
      route('shop', { parentRefs: [{ name: 'edge', sectionName: 'shop' }], rules: [to('shop')] }),
    ]);
    expect(backendOf(table, 443, 'shop.example.com')).toBe('default/shop');
    expect(backendOf(table, 443, 'other.example.com')).toBeUndefined();
    expect(backendOf(table, 80, 'shop.example.com')).toBeUndefined();
  });

  it('matches wildcard hosts by suffix, the most specific first', () => {
    const table = compile([
      route('api', { hostnames: ['*.example.com'], rules: [to('api')] }),
      route('other', { hostnames: ['*.eu.example.com'], rules: [to('other')] }),
    ]);
    expect(backendOf(table, 80, 'a.example.com')).toBe('default/api');
    expect(backendOf(table, 80, 'a.b.example.com')).toBe('default/api');
    expect(backendOf(table, 80, 'x.eu.example.com')).toBe('default/other');
    expect(backendOf(table, 80, 'example.com')).toBeUndefined();
  });

  it('gives a host to the most precise listener of its port only', () => {
    // Both attach everywhere; shop.example.com belongs to listener "shop", so the wildcard
    // listener's route does not serve it there.
    const table = compile([
      route('api', {
        parentRefs: [{ name: 'edge', sectionName: 'any-example' }],
        rules: [to('api')],
      }),
      route('shop', { parentRefs: [{ name: 'edge', sectionName: 'shop' }], rules: [to('shop')] }),
      route('shop-api', {
        parentRefs: [{ name: 'edge', sectionName: 'any-example' }],
        hostnames: ['shop.example.com'],
        rules: [to('other')],
      }),
    ]);
    expect(backendOf(table, 443, 'shop.example.com')).toBe('default/shop');
    expect(backendOf(table, 443, 'www.example.com')).toBe('default/api');
  });

  it('ignores routes of other Gateways and of Services', () => {
    const table = compile([
      route('a', { parentRefs: [{ name: 'other-gw' }], rules: [to('api')] }),
      route('b', { parentRefs: [{ kind: 'Service', name: 'web' }], rules: [to('api')] }),
    ]);
    expect(table.port(80)?.size).toBe(0);
    expect(table.port(8080)).toBeUndefined();
  });
});
