// Unit spec for the backend-pick layer: a resolved backend goes on, an unresolved one or no weight answers 500.
import { describe, expect, it } from '@jest/globals';
import { recordedResponse } from '../http/http-doubles.testing.js';
import { Cluster } from '../upstream/cluster.js';
import { backendCluster } from './backend-pick.layer.js';
import type { CompiledRoute } from './route-table.js';

const route = { name: 'HTTPRoute/shop/api#0' } as CompiledRoute;

describe('backendCluster', () => {
  it('gives the picked backend’s Service', () => {
    const cluster = new Cluster('shop/api-v1');
    const res = recordedResponse();
    expect(backendCluster(route, { name: 'shop/api-v1', cluster, cumulativeWeight: 1 }, res)).toBe(
      cluster,
    );
    expect(res.headersSent).toBe(false);
  });

  it('answers 500 no_backend for a reference that resolves to no Service', () => {
    const res = recordedResponse();
    const ghost = { name: 'shop/ghost', cluster: undefined, cumulativeWeight: 1 };
    expect(backendCluster(route, ghost, res)).toBeUndefined();
    expect([res.status, JSON.parse(res.body)]).toEqual([
      500,
      {
        error: 'no_backend',
        message: 'HTTPRoute/shop/api#0: backend shop/ghost does not resolve to a Service',
      },
    ]);
  });

  it('answers 500 no_backend when every weight is 0', () => {
    const res = recordedResponse();
    expect(backendCluster(route, null, res)).toBeUndefined();
    expect(JSON.parse(res.body)).toMatchObject({
      message: 'HTTPRoute/shop/api#0: every backend weight is 0',
    });
  });
});
