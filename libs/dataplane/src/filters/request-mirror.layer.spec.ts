// Unit spec for the mirror layer: one copy per mirror of the rule, with the upstream path, none without.
import { describe, expect, it, jest } from '@jest/globals';
import { fakeExchange } from '../http/http-doubles.testing.js';
import type { CompiledMirror, CompiledRoute } from '../routing/route-table.js';
import { Cluster } from '../upstream/cluster.js';
import type { Forwarder } from '../upstream/forwarder.js';
import { requestMirrors } from './request-mirror.layer.js';

describe('requestMirrors', () => {
  it('hands each mirror of the rule to the forwarder, with the exchange (its upstream path), and goes on', () => {
    const mirrors: CompiledMirror[] = [
      { cluster: new Cluster('shop/shadow'), percent: 100 },
      { cluster: new Cluster('shop/audit'), percent: 10 },
    ];
    const mirror = jest.fn<Forwarder['mirror']>();
    const ex = fakeExchange();
    ex.route = { name: 'r', mirrors } as unknown as CompiledRoute;
    ex.path = '/new';
    expect(requestMirrors({ mirror } as unknown as Forwarder)(ex)).toBe('next');
    expect(mirror.mock.calls).toEqual([
      [ex, mirrors[0]],
      [ex, mirrors[1]],
    ]);
    expect(ex.path).toBe('/new');
  });

  it('sends nothing for a rule without mirrors', () => {
    const mirror = jest.fn<Forwarder['mirror']>();
    const ex = fakeExchange();
    ex.route = { name: 'r', mirrors: [] } as unknown as CompiledRoute;
    requestMirrors({ mirror } as unknown as Forwarder)(ex);
    expect(mirror).not.toHaveBeenCalled();
  });
});
