// Unit spec for the route-match layer: host, then rule; a miss of either answers 404 no_route.
import { describe, expect, it } from '@jest/globals';
import { fakeExchange, fakeRequest, recordedResponse } from '../http/http-doubles.testing.js';
import { readTarget } from '../http/request-target.js';
import { compilePathMatcher } from './path-matcher.js';
import { MESH_HOSTS, routeMatch, type HostSelector } from './route-match.layer.js';
import { RouteTable, VirtualHost, type CompiledRoute } from './route-table.js';
import { RouteTableHolder } from './route-table-holder.js';

const route = { name: 'HTTPRoute/shop/api#0', mirrors: [] } as unknown as CompiledRoute;
const vhost = new VirtualHost('api', [
  {
    path: compilePathMatcher({ type: 'PathPrefix', value: '/v1' }),
    method: 'GET',
    headers: [],
    query: [],
    route,
  },
]);
const routes = new RouteTableHolder();
routes.swap(new RouteTable(1, new Map([['api', vhost]])));

function match(url: string, method = 'GET', hosts: HostSelector = MESH_HOSTS) {
  const res = recordedResponse();
  const ex = fakeExchange(fakeRequest({ url, method, headers: { host: 'api' } }), res);
  readTarget(ex);
  return { outcome: routeMatch(routes, hosts)(ex), ex, res };
}

describe('routeMatch', () => {
  it('finds the rule of the virtual host, leaving the answer to later steps', () => {
    const { outcome, ex, res } = match('/v1/items');
    expect(outcome).toBe('next');
    expect([ex.route, ex.policy, ex.match?.route]).toEqual([route, route, route]);
    expect(res.headersSent).toBe(false);
  });

  it('answers 404 no_route for a host no listener serves', () => {
    const { outcome, ex, res } = match('/v1/items', 'GET', () => undefined);
    expect([outcome, ex.route]).toEqual(['answered', undefined]);
    expect([res.status, JSON.parse(res.body)]).toEqual([
      404,
      { error: 'no_route', message: 'no route for host "api"' },
    ]);
  });

  it('answers 404 no_route when no rule matches path and method', () => {
    for (const [url, method] of [
      ['/v2', 'GET'],
      ['/v1', 'POST'],
    ]) {
      const { outcome, res } = match(url, method);
      expect(outcome).toBe('answered');
      expect(JSON.parse(res.body)).toEqual({
        error: 'no_route',
        message: `no route of api matches ${method} ${url}`,
      });
    }
  });
});
