// Unit spec for the consistent-hash keys: header values, cookie values, and the hash's spread.
import { describe, expect, it } from '@jest/globals';
import { cookieKey, hash32, headerKey } from './hash-key.js';

describe('hash keys', () => {
  it('reads a header, joining repeated values', () => {
    expect(headerKey({ 'x-user': 'a' }, 'x-user')).toBe('a');
    expect(headerKey({ 'x-user': ['a', 'b'] }, 'x-user')).toBe('a,b');
    expect(headerKey({}, 'x-user')).toBeUndefined();
  });

  it('reads one cookie out of the Cookie header', () => {
    expect(cookieKey({ cookie: 'a=1; session=xyz; b=2' }, 'session')).toBe('xyz');
    expect(cookieKey({ cookie: 'xsession=1' }, 'session')).toBeUndefined();
    expect(cookieKey({}, 'session')).toBeUndefined();
  });

  it('hashes similar strings far apart, as unsigned 32-bit numbers', () => {
    const a = hash32('e1#1');
    const b = hash32('e1#2');
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(2 ** 32);
    expect(Math.abs(a - b)).toBeGreaterThan(2 ** 20);
    expect(hash32('e1#1')).toBe(a);
  });
});
