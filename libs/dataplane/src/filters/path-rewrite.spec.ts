// rewritePath: Gateway API ReplaceFullPath and ReplacePrefixMatch, query kept.
import { describe, expect, it } from '@jest/globals';
import type { HTTPPathModifier } from '@app/protocol';
import type { RequestTarget } from '../http/request-target.js';
import { compilePathMatcher } from '../routing/path-matcher.js';
import type { CompiledMatch, CompiledRoute } from '../routing/route-table.js';
import { rewritePath, upstreamPath } from './path-rewrite.js';

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

describe('upstreamPath', () => {
  const target: RequestTarget = {
    host: 'shop',
    port: 80,
    path: '/old/x',
    query: 'a=1',
    pathAndQuery: '/old/x?a=1',
  };
  const matched = (pathRewrite?: HTTPPathModifier): CompiledMatch => ({
    path: compilePathMatcher({ type: 'PathPrefix', value: '/old' }),
    method: undefined,
    headers: [],
    query: [],
    route: { name: 'r', pathRewrite } as CompiledRoute,
  });

  it('is the client’s path and query without a rewrite', () => {
    expect(upstreamPath(matched(), target)).toBe('/old/x?a=1');
  });

  it('rewrites the matched prefix', () => {
    expect(upstreamPath(matched(prefix('/new')), target)).toBe('/new/x?a=1');
  });
});
