import { parseSpiffeId, spiffeId } from './spiffe-id.js';

describe('spiffeId / parseSpiffeId', () => {
  it('round-trips a workload identity', () => {
    const id = spiffeId('cluster.local', 'shop', 'checkout');
    expect(id).toBe('spiffe://cluster.local/ns/shop/sa/checkout');
    expect(parseSpiffeId(id)).toEqual({
      trustDomain: 'cluster.local',
      namespace: 'shop',
      serviceAccount: 'checkout',
    });
  });

  it.each([
    ['another scheme', 'https://cluster.local/ns/a/sa/b'],
    ['another path shape', 'spiffe://cluster.local/ns/a/sa/b/extra'],
    ['a missing service account', 'spiffe://cluster.local/ns/a/sa/'],
    ['an upper-case name', 'spiffe://cluster.local/ns/A/sa/b'],
    ['a port in the trust domain', 'spiffe://cluster.local:443/ns/a/sa/b'],
    ['user info', 'spiffe://evil@cluster.local/ns/a/sa/b'],
    ['a query', 'spiffe://cluster.local/ns/a/sa/b?x=1'],
    ['percent codes', 'spiffe://cluster.local/ns/a/sa/%62'],
    ['dots in a name', 'spiffe://cluster.local/ns/a.b/sa/c'],
  ])('refuses %s', (_why, uri) => {
    expect(parseSpiffeId(uri)).toBeUndefined();
  });
});
