import { parseSpiffeId, spiffeId } from './spiffe-id.js';

describe('spiffeId / parseSpiffeId', () => {
  it('writes a workload identity and reads it back', () => {
    const id = spiffeId('cluster.local', 'shop', 'web');
    expect(id).toBe('spiffe://cluster.local/ns/shop/sa/web');
    expect(parseSpiffeId(id)).toEqual({
      trustDomain: 'cluster.local',
      namespace: 'shop',
      serviceAccount: 'web',
    });
  });

  it.each([
    'spiffe://cluster.local/ns/shop/sa/web/extra',
    'spiffe://cluster.local/ns/shop',
    'spiffe://Cluster.Local/ns/shop/sa/web',
    'spiffe://cluster.local:8443/ns/shop/sa/web',
    'spiffe://cluster.local/ns/Shop/sa/web',
    'spiffe://cluster.local/ns/shop/sa/web.sa',
    'spiffe://cluster.local/sa/web/ns/shop',
    'https://cluster.local/ns/shop/sa/web',
    'spiffe:///ns/shop/sa/web',
    '',
  ])('rejects %j', (uri) => {
    expect(parseSpiffeId(uri)).toBeUndefined();
  });
});
