// Query parameter matches: exact and anchored regex, case-sensitive names, first value wins.
import { describe, expect, it } from '@jest/globals';
import { compileQueryMatcher } from './query-matcher.js';

describe('compileQueryMatcher', () => {
  it('matches an exact value, names case-sensitive', () => {
    const m = compileQueryMatcher({ type: 'Exact', name: 'v', value: '2' });
    expect(m(new URLSearchParams('v=2'))).toBe(true);
    expect(m(new URLSearchParams('V=2'))).toBe(false);
    expect(m(new URLSearchParams('v=3&v=2'))).toBe(false);
  });

  it('matches an anchored regular expression', () => {
    const m = compileQueryMatcher({ type: 'RegularExpression', name: 'id', value: '[0-9]+' });
    expect(m(new URLSearchParams('id=42'))).toBe(true);
    expect(m(new URLSearchParams('id=42a'))).toBe(false);
    expect(m(new URLSearchParams(''))).toBe(false);
  });
});
