// rewritePath: Gateway API ReplaceFullPath and ReplacePrefixMatch, query kept.
import { describe, expect, it } from '@jest/globals';
import { rewritePath } from './path-rewrite.js';

const prefix = (replacePrefixMatch: string) => ({
  type: 'ReplacePrefixMatch' as const,
  replacePrefixMatch,
});

describe('rewritePath', () => {
  it('replaces the full path and keeps the query', () => {
    expect(
      rewritePath({ type: 'ReplaceFullPath', replaceFullPath: '/new' }, '/old/x', 'a=1', 4),
    ).toBe('/new?a=1');
  });

  it.each([
    ['/foo', '/bar', '/foo/x', '/bar/x'],
    ['/foo', '/bar', '/foo', '/bar'],
    ['/foo', '/', '/foo/x', '/x'],
    ['/foo', '/', '/foo', '/'],
    ['/foo', '/bar/', '/foo/x', '/bar/x'],
  ])('prefix %s replaced by %s turns %s into %s', (matched, replacement, path, expected) => {
    expect(rewritePath(prefix(replacement), path, '', matched.length)).toBe(expected);
  });
});
