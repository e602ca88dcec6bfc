import { parseServiceKey, serviceKey } from './service-key.js';

describe('serviceKey / parseServiceKey', () => {
  it('joins namespace and name and splits them back', () => {
    expect(serviceKey('shop', 'api')).toBe('shop/api');
    expect(parseServiceKey('shop/api')).toEqual({ namespace: 'shop', name: 'api' });
  });

  it.each(['api', '/api', 'shop/', 'a/b/c', ''])('rejects %j', (key) => {
    expect(parseServiceKey(key)).toBeUndefined();
  });
});
