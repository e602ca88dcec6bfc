// Unit spec for compiled header matches: Exact and RegularExpression values, names in any case.
import { describe, expect, it } from '@jest/globals';
import { compileHeaderMatcher } from './header-matcher.js';

describe('compileHeaderMatcher', () => {
  it('matches an Exact value, case-sensitive, by a name in any case', () => {
    const canary = compileHeaderMatcher({ type: 'Exact', name: 'X-Canary', value: 'yes' });
    expect(canary({ 'x-canary': 'yes' })).toBe(true);
    expect(canary({ 'x-canary': 'Yes' })).toBe(false);
    expect(canary({ 'x-canary': 'yes please' })).toBe(false);
    expect(canary({})).toBe(false);
  });

  it('matches a RegularExpression against the whole value', () => {
    const tenant = compileHeaderMatcher({
      type: 'RegularExpression',
      name: 'x-tenant',
      value: 'acme-[a-z]+',
    });
    expect(tenant({ 'x-tenant': 'acme-corp' })).toBe(true);
    expect(tenant({ 'x-tenant': 'acme-42' })).toBe(false);
    expect(tenant({ 'x-tenant': 'big-acme-corp' })).toBe(false);
    expect(tenant({ 'x-tenant': 'acme-corp-2' })).toBe(false);
    expect(tenant({})).toBe(false);
  });

  it('keeps an alternation inside the anchors', () => {
    const either = compileHeaderMatcher({ type: 'RegularExpression', name: 'x-v', value: 'a|b' });
    expect(['a', 'b', 'ab', 'xa', 'bx'].map((v) => either({ 'x-v': v }))).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('matches a repeated header as its values joined by commas', () => {
    const exact = compileHeaderMatcher({ type: 'Exact', name: 'x-list', value: 'a,b' });
    expect(exact({ 'x-list': ['a', 'b'] })).toBe(true);
    const regex = compileHeaderMatcher({
      type: 'RegularExpression',
      name: 'x-list',
      value: 'a,.*',
    });
    expect(regex({ 'x-list': ['a', 'b', 'c'] })).toBe(true);
  });
});
