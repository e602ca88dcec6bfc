// Unit spec for PeerAuthentication status: Accepted with its mode and scope, Conflicted where an
// earlier one by name takes the same scope.
import { describe, expect, it } from '@jest/globals';
import { peerAuthentication as policy } from '@app/protocol/resources/peer-authentication.testing.js';
import { evaluatePeerAuthentications } from './peer-authentication-status.js';

describe('evaluatePeerAuthentications', () => {
  it('accepts each policy that decides its scope, and marks Conflicted one whose scope an earlier one takes', () => {
    const verdicts = evaluatePeerAuthentications([
      policy('mesh', 'weft-system', { mtls: { mode: 'STRICT' } }),
      policy('b', 'shop', { mtls: { mode: 'DISABLE' } }),
      policy('a', 'shop', { mtls: { mode: 'PERMISSIVE' } }),
      policy('w', 'shop', { selector: { matchLabels: { app: 'reviews' } } }),
    ]);
    const summary = [...verdicts]
      .sort(([a], [b]) => (a.includes('weft-system') ? -1 : b.includes('weft-system') ? 1 : 0))
      .map(([key, c]) => [key, c.status, c.reason, c.message]);
    expect(summary).toEqual([
      ['peerauthentication.weft-system.mesh', 'True', 'Accepted', 'mTLS STRICT for the mesh'],
      [
        'peerauthentication.shop.a',
        'True',
        'Accepted',
        'mTLS PERMISSIVE for every workload of namespace shop',
      ],
      [
        'peerauthentication.shop.b',
        'False',
        'Conflicted',
        'PeerAuthentication a takes every workload of namespace shop (the first by name decides)',
      ],
      [
        'peerauthentication.shop.w',
        'True',
        'Accepted',
        'mTLS inherited for the workloads of namespace shop labelled app=reviews',
      ],
    ]);
  });
});
