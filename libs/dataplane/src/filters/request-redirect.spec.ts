// redirectLocation: scheme, hostname, port and path of Gateway API's RequestRedirect.
import { describe, expect, it } from '@jest/globals';
import { redirectLocation } from './request-redirect.js';

const from = {
  scheme: 'http' as const,
  host: 'shop.local:8080',
  listenerPort: 8080,
  path: '/cart/1',
  query: 'x=1',
};

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

  it("without port and scheme, uses the listener's port, not the Host's", () => {
    const edge = { ...from, host: 'shop.local:9999', listenerPort: 8080 };
    expect(redirectLocation({ hostname: 'store.local' }, edge, 0)).toBe(
      'http://store.local:8080/cart/1?x=1',
    );
    expect(redirectLocation({}, { ...from, host: 'shop.local', listenerPort: 8080 }, 0)).toBe(
      'http://shop.local:8080/cart/1?x=1',
    );
  });

  it("with only a scheme, uses that scheme's well-known port, even when it is the request's own", () => {
    expect(redirectLocation({ scheme: 'http' }, from, 0)).toBe('http://shop.local/cart/1?x=1');
  });

  it("omits the port when it is the scheme's well-known one", () => {
    expect(redirectLocation({}, { ...from, listenerPort: 80 }, 0)).toBe(
      'http://shop.local/cart/1?x=1',
    );
    expect(redirectLocation({}, { ...from, scheme: 'https', listenerPort: 443 }, 0)).toBe(
      'https://shop.local/cart/1?x=1',
    );
    expect(redirectLocation({}, { ...from, listenerPort: undefined }, 0)).toBe(
      'http://shop.local/cart/1?x=1',
    );
  });
});
