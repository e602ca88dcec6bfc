// Unit spec for the mirror layer: one copy per mirror of the rule, with the upstream path, none without.
import { describe, expect, it, jest } from '@jest/globals';
import { fakeRequest } from '../http/http-doubles.testing.js';
import type { CompiledMirror, CompiledRoute } from '../routing/route-table.js';
import { Cluster } from '../upstream/cluster.js';
import type { Forwarder } from '../upstream/forwarder.js';
import { sendMirrors } from './request-mirror.layer.js';

describe('sendMirrors', () => {
  it('hands each mirror of the rule to the forwarder, with the path the upstream gets', () => {
    const mirrors: CompiledMirror[] = [
      { cluster: new Cluster('shop/shadow'), percent: 100 },
      { cluster: new Cluster('shop/audit'), percent: 10 },
    ];
    const route = { name: 'r', mirrors } as unknown as CompiledRoute;
    const mirror = jest.fn<Forwarder['mirror']>();
    const req = fakeRequest();
    sendMirrors({ mirror } as unknown as Forwarder, req, route, '/new');
    expect(mirror.mock.calls).toEqual([
      [req, mirrors[0], route, '/new'],
      [req, mirrors[1], route, '/new'],
    ]);
  });

  it('sends nothing for a rule without mirrors', () => {
    const mirror = jest.fn<Forwarder['mirror']>();
    const route = { name: 'r', mirrors: [] } as unknown as CompiledRoute;
    sendMirrors({ mirror } as unknown as Forwarder, fakeRequest(), route, '/');
    expect(mirror).not.toHaveBeenCalled();
  });
});
