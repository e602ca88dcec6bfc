// Unit spec for the endpoint pick: the first try's endpoint, or 503 no_endpoints with nothing sent.
import { describe, expect, it } from '@jest/globals';
import { fakeExchange, recordedResponse } from '../http/http-doubles.testing.js';
import { Cluster } from './cluster.js';
import { endpoint } from './endpoint.js';
import { endpointPick } from './endpoint-pick.layer.js';

describe('endpointPick', () => {
  it('picks the first try’s endpoint', () => {
    const api = new Cluster('shop/api');
    const a = endpoint('a', '10.0.0.1', 80);
    api.setEndpoints([a]);
    const ex = fakeExchange();
    ex.cluster = api;
    expect([endpointPick(undefined)(ex), ex.first]).toEqual(['next', a]);
  });

  it('answers 503 no_endpoints for a Service without endpoints', () => {
    const res = recordedResponse();
    const ex = fakeExchange(undefined, res);
    ex.cluster = new Cluster('shop/api');
    expect(endpointPick(undefined)(ex)).toBe('answered');
    expect([res.status, res.sentHeaders['x-weft-error']]).toEqual([503, 'no_endpoints']);
  });
});
