// Unit spec for the route-match layer: host, then rule; a miss of either answers 404 no_route.
import { describe, expect, it } from '@jest/globals';
import { fakeRequest, recordedResponse } from '../http/http-doubles.testing.js';
import { requestTarget } from '../http/request-target.js';
import { compilePathMatcher } from './path-matcher.js';
import { matchRoute, MESH_HOSTS, type HostSelector } from './route-match.layer.js';
import { RouteTable, VirtualHost, type CompiledRoute } from './route-table.js';

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
const table = new RouteTable(1, new Map([['api', vhost]]));

function match(url: string, method = 'GET', hosts: HostSelector = MESH_HOSTS) {
  const req = fakeRequest({ url, method, headers: { host: 'api' } });
  const res = recordedResponse();
  return { match: matchRoute(table, hosts, requestTarget(req)!, req, res), res };
}

describe('matchRoute', () => {
  it('finds the rule of the virtual host, leaving the answer to later steps', () => {
    const { match: found, res } = match('/v1/items');
    expect(found?.route).toBe(route);
    expect(res.headersSent).toBe(false);
  });

  it('answers 404 no_route for a host no listener serves', () => {
    const { match: found, res } = match('/v1/items', 'GET', () => undefined);
    expect(found).toBeUndefined();
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
      const { match: found, res } = match(url, method);
      expect(found).toBeUndefined();
      expect(JSON.parse(res.body)).toEqual({
        error: 'no_route',
        message: `no route of api matches ${method} ${url}`,
      });
    }
  });
});
