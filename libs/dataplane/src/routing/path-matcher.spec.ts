// Unit spec for compiled path matches: segment-wise PathPrefix, Exact, anchored RegularExpression.
import { describe, expect, it } from '@jest/globals';
import type { HTTPPathMatch } from '@app/protocol';
import { compilePathMatcher } from './path-matcher.js';

const matcher = (type: HTTPPathMatch['type'], value: string) => compilePathMatcher({ type, value });

describe('compilePathMatcher', () => {
  describe('PathPrefix', () => {
    const foo = matcher('PathPrefix', '/foo');

    it.each(['/foo', '/foo/', '/foo/bar', '/foo/bar/baz'])('/foo matches %s', (path) => {
      expect(foo.matches(path)).toBe(true);
    });

    it.each(['/foobar', '/fo', '/', '/bar/foo', '/FOO'])('/foo does not match %s', (path) => {
      expect(foo.matches(path)).toBe(false);
    });

    it('treats a trailing slash in the prefix like no trailing slash', () => {
      const slashed = matcher('PathPrefix', '/foo/');
      for (const path of ['/foo', '/foo/', '/foo/bar', '/foobar', '/fo']) {
        expect(slashed.matches(path)).toBe(foo.matches(path));
      }
      expect(slashed.length).toBe(foo.length);
    });

    it('/ matches every path', () => {
      const root = matcher('PathPrefix', '/');
      for (const path of ['/', '/foo', '/foo/bar', '/x?']) expect(root.matches(path)).toBe(true);
    });

    it('ranks longer prefixes higher by length', () => {
      expect(matcher('PathPrefix', '/foo/bar').length).toBeGreaterThan(foo.length);
      expect(matcher('PathPrefix', '/').length).toBeLessThan(foo.length);
    });

    it('defaults to PathPrefix "/" when the match has no path', () => {
      const any = compilePathMatcher(undefined);
      expect(any.type).toBe('PathPrefix');
      expect(any.matches('/anything/at/all')).toBe(true);
    });
  });

  describe('Exact', () => {
    const exact = matcher('Exact', '/foo');

    it('matches only the identical path', () => {
      expect(exact.matches('/foo')).toBe(true);
      for (const path of ['/foo/', '/foo/bar', '/fo', '/FOO']) {
        expect(exact.matches(path)).toBe(false);
      }
    });
  });

  describe('RegularExpression', () => {
    it('is anchored at both ends', () => {
      const re = matcher('RegularExpression', '/users/[0-9]+');
      expect(re.matches('/users/42')).toBe(true);
      expect(re.matches('/users/42/orders')).toBe(false);
      expect(re.matches('/api/users/42')).toBe(false);
      expect(re.matches('/users/')).toBe(false);
    });

    it('anchors every alternative, not only the first and last', () => {
      const re = matcher('RegularExpression', '/a|/b');
      expect(re.matches('/a')).toBe(true);
      expect(re.matches('/b')).toBe(true);
      expect(re.matches('/a/x')).toBe(false);
      expect(re.matches('/x/b')).toBe(false);
    });

    it('throws on an invalid expression at compile time', () => {
      expect(() => matcher('RegularExpression', '/(')).toThrow(SyntaxError);
    });
  });
});
