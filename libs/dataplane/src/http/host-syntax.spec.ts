// Unit spec for host syntax: which authorities a request may name, their host and port, DNS names.
import { describe, expect, it } from '@jest/globals';
import { authorityHost, authorityPort, isValidAuthority } from './host-syntax.js';

describe('isValidAuthority', () => {
  it.each([
    'api',
    'API.shop.svc.cluster.local',
    'a-b_c~d.e',
    '10.0.0.1',
    '10.0.0.1:15006',
    '[::1]',
    '[fe80::1]:8080',
    'api:65535',
  ])('takes %s', (value) => expect(isValidAuthority(value)).toBe(true));

  it.each([
    '',
    '>',
    '*',
    '*.shop',
    'a b',
    'a/b',
    'a@b',
    'a:0',
    'a:65536',
    'a:',
    'a:x',
    '[::1',
    '[zz::1]',
    '[::1]x',
    'a'.repeat(254),
    `${'a'.repeat(250)}:8080:1`,
  ])('refuses %j', (value) => expect(isValidAuthority(value)).toBe(false));
});

describe('authorityHost and authorityPort', () => {
  it.each([
    ['Api.Shop:9080', 'api.shop', 9080],
    ['api', 'api', 80],
    ['[FE80::1]:8443', '[fe80::1]', 8443],
    ['[::1]', '[::1]', 80],
  ])('split %s into %s and %d', (value, host, port) => {
    expect([authorityHost(value), authorityPort(value)]).toEqual([host, port]);
  });
});
