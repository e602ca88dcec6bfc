// Unit spec for the backend-pick layer: a resolved backend goes on (its edge counted), an unresolved one or no weight answers 500.
import { describe, expect, it } from '@jest/globals';
import { fakeExchange, recordedResponse } from '../http/http-doubles.testing.js';
import { TrafficStats } from '../metrics/traffic-stats.js';
import { Cluster } from '../upstream/cluster.js';
import { backendPick } from './backend-pick.layer.js';
import type { CompiledRoute, WeightedBackend } from './route-table.js';

const stats = new TrafficStats('shop/web');

/** Runs the step for a rule whose one backend is `backend` (none: every weight 0). */
function pick(backend?: WeightedBackend) {
  const route = {
    name: 'HTTPRoute/shop/api#0',
    backends: backend ? [backend] : [],
    totalWeight: backend ? 1 : 0,
  } as unknown as CompiledRoute;
  const res = recordedResponse();
  const ex = fakeExchange(undefined, res);
  ex.route = route;
  return { outcome: backendPick(stats)(ex), ex, res, route };
}

describe('backendPick', () => {
  it('gives the picked backend’s Service, and counts the request on its edge', () => {
    const cluster = new Cluster('shop/api-v1');
    const backend = { name: 'shop/api-v1', cluster, cumulativeWeight: 1 };
    const { outcome, ex, res, route } = pick(backend);
    expect([outcome, ex.cluster]).toEqual(['next', cluster]);
    expect(ex.edge).toBe(stats.outbound(route, backend));
    expect(res.headersSent).toBe(false);
  });

  it("follows the backend's own policy when it has filters of its own, else keeps the rule's", () => {
    const cluster = new Cluster('shop/api-v1');
    const policy = { timeoutMs: 1 };
    const own = pick({ name: 'shop/api-v1', cluster, cumulativeWeight: 1, policy });
    expect(own.ex.policy).toBe(policy);
    const plain = pick({ name: 'shop/api-v1', cluster, cumulativeWeight: 1 });
    expect(plain.ex.policy).not.toBe(policy);
  });

  it('answers 500 no_backend for a reference that resolves to no Service', () => {
    const ghost = { name: 'shop/ghost', cluster: undefined, cumulativeWeight: 1 };
    const { outcome, ex, res } = pick(ghost);
    expect([outcome, ex.cluster]).toEqual(['answered', undefined]);
    expect([res.status, JSON.parse(res.body)]).toEqual([
      500,
      {
        error: 'no_backend',
        message: 'HTTPRoute/shop/api#0: backend shop/ghost does not resolve to a Service',
      },
    ]);
  });

  it('answers 500 no_backend when every weight is 0', () => {
    const { outcome, ex, res } = pick();
    expect(outcome).toBe('answered');
    expect(ex.edge).toBeDefined();
    expect(JSON.parse(res.body)).toMatchObject({
      message: 'HTTPRoute/shop/api#0: every backend weight is 0',
    });
  });
});
