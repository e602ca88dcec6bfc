// Unit spec for the target authorization matches and forwards: origin form, normalized path.
import { describe, expect, it } from '@jest/globals';
import { normalizedTarget } from './normalized-target.js';

describe('normalizedTarget', () => {
  it('keeps a plain target as it is (the same string)', () => {
    const url = '/api/items?q=%2e%2e';
    expect(normalizedTarget(url)).toBe(url);
  });

  it.each([
    ['/a/../admin?x=/../y', '/admin?x=/../y'],
    ['//admin#frag', '/admin#frag'],
    ['/%61dmin', '/admin'],
    ['http://other/a/../admin?q=1', '/admin?q=1'],
    ['https://other', '/'],
  ])('%s → %s', (url, target) => {
    expect(normalizedTarget(url)).toBe(target);
  });

  it.each(['*', 'ftp://x/admin', 'admin', ''])('has no path to match in %j', (url) => {
    expect(normalizedTarget(url)).toBeUndefined();
  });
});
