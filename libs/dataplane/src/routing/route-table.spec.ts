// Unit spec for the compiled route table: weighted backend picks, first-match resolution, host lookup.
import { describe, expect, it } from '@jest/globals';
import { Cluster } from '../upstream/cluster.js';
import { compileHeaderMatcher } from './header-matcher.js';
import { compilePathMatcher } from './path-matcher.js';
import {
  pickBackend,
  RouteTable,
  VirtualHost,
  type CompiledRoute,
  type WeightedBackend,
} from './route-table.js';

/** A route over backends with these weights, cumulative as the compiler builds them. */
function weighted(...weights: number[]): CompiledRoute {
  let total = 0;
  const backends: WeightedBackend[] = weights.map((w, i) => {
    total += w;
    return { name: `shop/b${i}`, cluster: new Cluster(`shop/b${i}`), cumulativeWeight: total };
  });
  return { name: 'HTTPRoute/shop/r#0', backends, totalWeight: total, timeoutMs: 1000, mirrors: [] };
}

const picked = (route: CompiledRoute, random: number) => pickBackend(route, random)?.name;

describe('pickBackend', () => {
  it('splits 80/20 at the weight boundary', () => {
    const route = weighted(80, 20);
    expect(picked(route, 0)).toBe('shop/b0');
    expect(picked(route, 0.79)).toBe('shop/b0');
    expect(picked(route, 0.81)).toBe('shop/b1');
    expect(picked(route, 0.999)).toBe('shop/b1');
  });

  it('never picks a zero-weight backend', () => {
    const route = weighted(0, 5, 0, 5, 0);
    const names = new Set([0, 0.1, 0.49, 0.5, 0.51, 0.99].map((r) => picked(route, r)));
    expect(names).toEqual(new Set(['shop/b1', 'shop/b3']));
  });

  it('returns null when every weight is zero', () => {
    expect(pickBackend(weighted(0, 0), 0.5)).toBeNull();
  });

  it('returns null for a rule without backends', () => {
    expect(pickBackend(weighted(), 0.5)).toBeNull();
  });

  it('gives each backend a share proportional to its weight over many picks', () => {
    const route = weighted(1, 3);
    const counts = { 'shop/b0': 0, 'shop/b1': 0 } as Record<string, number>;
    for (let i = 0; i < 1000; i++) counts[picked(route, i / 1000) ?? 'none']++;
    expect(counts).toEqual({ 'shop/b0': 250, 'shop/b1': 750 });
  });

  it('returns a backend whose cluster is undefined as is (an unresolved reference)', () => {
    const route: CompiledRoute = {
      name: 'r',
      backends: [{ name: 'shop/ghost', cluster: undefined, cumulativeWeight: 1 }],
      totalWeight: 1,
      timeoutMs: 1000,
      mirrors: [],
    };
    expect(pickBackend(route, 0.3)).toEqual({
      name: 'shop/ghost',
      cluster: undefined,
      cumulativeWeight: 1,
    });
  });
});

describe('VirtualHost.resolve', () => {
  const named = (name: string): CompiledRoute => ({ ...weighted(1), name });
  const vhost = new VirtualHost('reviews', [
    {
      path: compilePathMatcher({ type: 'Exact', value: '/login' }),
      method: 'POST',
      headers: [],
      query: [],
      route: named('login'),
    },
    {
      path: compilePathMatcher({ type: 'PathPrefix', value: '/api' }),
      method: undefined,
      headers: [compileHeaderMatcher({ type: 'Exact', name: 'X-Canary', value: 'yes' })],
      query: [],
      route: named('canary'),
    },
    {
      path: compilePathMatcher({ type: 'PathPrefix', value: '/api' }),
      method: undefined,
      headers: [],
      query: [],
      route: named('api'),
    },
  ]);

  it('returns the first match whose path, method and headers all match', () => {
    expect(vhost.resolve('/login', '', 'POST', {})?.route.name).toBe('login');
    expect(vhost.resolve('/api/x', '', 'GET', { 'x-canary': 'yes' })?.route.name).toBe('canary');
    expect(vhost.resolve('/api/x', '', 'GET', { 'x-canary': 'no' })?.route.name).toBe('api');
  });

  it('returns undefined when nothing matches', () => {
    expect(vhost.resolve('/login', '', 'GET', {})?.route).toBeUndefined();
    expect(vhost.resolve('/other', '', 'GET', {})?.route).toBeUndefined();
  });
});

describe('RouteTable', () => {
  it('looks hosts up exactly and starts empty', () => {
    const vhost = new VirtualHost('reviews', []);
    const table = new RouteTable(4, new Map([['reviews.shop', vhost]]));
    expect(table.host('reviews.shop')).toBe(vhost);
    expect(table.host('ratings.shop')).toBeUndefined();
    expect(RouteTable.EMPTY.hostCount).toBe(0);
    expect(RouteTable.EMPTY.revision).toBe(0);
  });
});
