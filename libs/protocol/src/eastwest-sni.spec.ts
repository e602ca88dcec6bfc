import { eastWestSni, parseEastWestSni } from './eastwest-sni.js';

describe('east-west server names', () => {
  const target = { instanceId: 'api_West-1', service: 'api', namespace: 'shop', cluster: 'west' };

  it('names one instance of one Service in one cluster, and reads back as it', () => {
    expect(eastWestSni(target)).toBe('api_West-1.api.shop.west.eastwest.weft');
    expect(parseEastWestSni(eastWestSni(target))).toEqual(target);
  });

  it.each([
    ['another suffix', 'api-1.api.shop.west.svc.cluster'],
    ['too few labels', 'api.shop.west.eastwest.weft'],
    ['too many labels', 'x.api-1.api.shop.west.eastwest.weft'],
    ['an upper-case Service', 'api-1.API.shop.west.eastwest.weft'],
    ['an empty instance', '.api.shop.west.eastwest.weft'],
    ['a clusterset name', 'api.shop.svc.clusterset.local'],
  ])('refuses %s', (_why, name) => {
    expect(parseEastWestSni(name)).toBeUndefined();
  });
});
