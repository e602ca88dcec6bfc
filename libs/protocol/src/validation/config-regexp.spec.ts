// Unit spec for config regular expressions: RE2 syntax, whole-value matches, linear time on ReDoS patterns.
import { describe, expect, it } from '@jest/globals';
import { compileWholeMatch, regexpProblem } from './config-regexp.js';

describe('compileWholeMatch', () => {
  it('matches the whole value, never a part of it', () => {
    const re = compileWholeMatch('/api/v[0-9]+');
    expect(re.matches('/api/v2')).toBe(true);
    expect(re.matches('/api/v2/users')).toBe(false);
    expect(re.matches('x/api/v2')).toBe(false);
  });

  it('keeps alternations inside the whole-value match', () => {
    const re = compileWholeMatch('a|b');
    expect(re.matches('a')).toBe(true);
    expect(re.matches('ab')).toBe(false);
  });

  it('answers a catastrophic-backtracking pattern (ReDoS) on a long non-matching value', () => {
    // V8's engine needs about 2^n steps here: at n = 64 this call would never return.
    const re = compileWholeMatch('/(a+)+b');
    expect(re.matches(`/${'a'.repeat(64)}!`)).toBe(false);
    expect(re.matches(`/${'a'.repeat(64)}b`)).toBe(true);
  });

  it('throws a SyntaxError naming RE2 for what RE2 refuses', () => {
    expect(() => compileWholeMatch('/(')).toThrow(SyntaxError);
    expect(() => compileWholeMatch('/(')).toThrow(/RE2/);
  });
});

describe('regexpProblem', () => {
  it.each([
    ['a(?=b)', /Perl syntax/],
    ['(a)\\1', /escape/],
    ['[z-a]', /range/],
    ['a{1001}', /repeat/],
    ['((a{100}){100}){100}', /repeat/],
  ])('refuses %s, which RE2 does not run', (pattern, reason) => {
    expect(regexpProblem(pattern)).toMatch(reason);
  });

  it('accepts what RE2 runs', () => {
    for (const p of ['/api/.*', '(?i)abc', '\\p{Greek}+', '[^/]+', ''])
      expect(regexpProblem(p)).toBeUndefined();
  });
});
