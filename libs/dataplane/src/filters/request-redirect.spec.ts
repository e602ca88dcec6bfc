// redirectLocation: scheme, hostname, port and path of Gateway API's RequestRedirect.
import { describe, expect, it } from '@jest/globals';
import { redirectLocation } from './request-redirect.js';

const from = { scheme: 'http' as const, host: 'shop.local:8080', path: '/cart/1', query: 'x=1' };

describe('redirectLocation', () => {
  it('keeps what the filter does not set', () => {
    expect(redirectLocation({}, from, 0)).toBe('http://shop.local:8080/cart/1?x=1');
  });

  it('drops the port when only the scheme changes, as Gateway API says', () => {
    expect(redirectLocation({ scheme: 'https' }, from, 0)).toBe('https://shop.local/cart/1?x=1');
  });

  it('uses the port the filter sets, omitting a scheme default', () => {
    expect(redirectLocation({ scheme: 'https', port: 8443 }, from, 0)).toBe(
      'https://shop.local:8443/cart/1?x=1',
    );
    expect(redirectLocation({ scheme: 'https', port: 443 }, from, 0)).toBe(
      'https://shop.local/cart/1?x=1',
    );
  });

  it('rewrites hostname and path prefix', () => {
    const spec = {
      hostname: 'store.local',
      path: { type: 'ReplacePrefixMatch' as const, replacePrefixMatch: '/basket' },
    };
    expect(redirectLocation(spec, from, '/cart'.length)).toBe(
      'http://store.local:8080/basket/1?x=1',
    );
  });
});
