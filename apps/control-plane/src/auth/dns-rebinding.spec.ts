import { rebindingHost } from './dns-rebinding.js';
import { isLoopbackHost } from './loopback-host.js';

describe('rebindingHost', () => {
  it.each(['127.0.0.1:15010', 'localhost:15010', '[::1]:15010', '10.1.2.3', 'app.localhost'])(
    'serves Host %s (an address, or a name only this machine resolves)',
    (host) => {
      expect(rebindingHost(host)).toBeUndefined();
    },
  );

  it.each(['evil.example:15010', 'my-laptop', 'localhost.evil.example'])(
    'refuses Host %s',
    (host) => {
      expect(rebindingHost(host)).toMatch(/DNS rebinding/);
    },
  );

  it('refuses a request without a usable Host', () => {
    expect(rebindingHost(undefined)).toBeDefined();
    expect(rebindingHost('a b')).toBeDefined();
  });
});

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'])(
    '%s is loopback',
    (host) => expect(isLoopbackHost(host)).toBe(true),
  );

  it.each(['0.0.0.0', '::', '10.0.0.1', '192.0.2.2', 'example.com', '128.0.0.1'])(
    '%s is not',
    (host) => expect(isLoopbackHost(host)).toBe(false),
  );
});
