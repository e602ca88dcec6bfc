// Unit spec for what passthrough takes: IP addresses only, never this proxy's own listeners.
import { describe, expect, it } from '@jest/globals';
import { isOwnEndpoint, passthroughAddress } from './passthrough-target.js';

const own = { ports: new Set([15000, 15001, 15006]), addresses: new Set(['10.0.0.5']) };

describe('passthroughAddress', () => {
  it('takes IPv4 and IPv6 addresses, bracketed or not', () => {
    expect(['10.1.2.3', '[::1]', 'fd00::7'].map(passthroughAddress)).toEqual([
      '10.1.2.3',
      '::1',
      'fd00::7',
    ]);
  });

  it('takes no name, however address-like', () => {
    for (const host of ['reviews', 'localhost', '10.1.2.3.nip.io', '10.1.2', '[reviews]'])
      expect(passthroughAddress(host)).toBeUndefined();
  });
});

describe('isOwnEndpoint', () => {
  it("refuses the proxy's ports on loopback, unspecified and its own addresses", () => {
    const addresses = ['127.0.0.1', '127.9.9.9', '0.0.0.0', '::1', '::', '::ffff:127.0.0.1'];
    for (const address of [...addresses, '10.0.0.5', '::ffff:10.0.0.5'])
      expect([address, isOwnEndpoint(address, 15000, own)]).toEqual([address, true]);
  });

  it('lets other ports of this host, and its ports on other hosts, through', () => {
    expect(isOwnEndpoint('127.0.0.1', 8080, own)).toBe(false);
    expect(isOwnEndpoint('10.0.0.6', 15000, own)).toBe(false);
  });
});
