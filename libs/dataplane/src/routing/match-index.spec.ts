// Unit spec for MatchIndex: the same first match as a scan in precedence order, for every path kind.
import { describe, expect, it } from '@jest/globals';
import type { HTTPPathMatch } from '@app/protocol';
import { MatchIndex } from './match-index.js';
import { compilePathMatcher } from './path-matcher.js';
import type { CompiledMatch, CompiledRoute } from './route-table.js';

const PATH_TYPE_RANK = { Exact: 0, RegularExpression: 1, PathPrefix: 2 } as const;

function match(path: HTTPPathMatch | undefined, name: string, method?: string): CompiledMatch {
  const route = { name } as CompiledRoute;
  return { path: compilePathMatcher(path), method, headers: [], query: [], route };
}

/** Gateway API order by path: Exact, RegularExpression, then longer prefixes; then as listed. */
function ordered(matches: CompiledMatch[]): CompiledMatch[] {
  return matches
    .map((m, i) => ({ m, i }))
    .sort(
      (a, b) =>
        PATH_TYPE_RANK[a.m.path.type] - PATH_TYPE_RANK[b.m.path.type] ||
        b.m.path.length - a.m.path.length ||
        a.i - b.i,
    )
    .map(({ m }) => m);
}

const any = (): boolean => true;
const name = (m: CompiledMatch | undefined): string | undefined => m?.route.name;

describe('MatchIndex', () => {
  const matches = ordered([
    match({ type: 'PathPrefix', value: '/' }, 'root'),
    match({ type: 'PathPrefix', value: '/api' }, 'api'),
    match({ type: 'PathPrefix', value: '/api/v2/' }, 'api-v2'),
    match({ type: 'Exact', value: '/api/v2/health' }, 'health'),
    match({ type: 'RegularExpression', value: '/api/v[0-9]+/items/[0-9]+' }, 'item'),
    match({ type: 'PathPrefix', value: '/a//b' }, 'double-slash'),
  ]);
  const index = new MatchIndex(matches);
  const find = (path: string): string | undefined => name(index.find(path, any, undefined));

  it('prefers Exact, then regular expressions, then the longest prefix', () => {
    expect(find('/api/v2/health')).toBe('health');
    expect(find('/api/v2/items/7')).toBe('item');
    expect(find('/api/v2/other')).toBe('api-v2');
    expect(find('/api/v2')).toBe('api-v2');
    expect(find('/api/v1')).toBe('api');
    expect(find('/other')).toBe('root');
  });

  it('matches prefixes segment-wise', () => {
    expect(find('/apis')).toBe('root');
    expect(find('/api/')).toBe('api');
    expect(find('/a//b/c')).toBe('double-slash');
    expect(find('/a/b')).toBe('root');
  });

  it('falls back to less specific matches the caller rejects (method, headers)', () => {
    const byMethod = new MatchIndex(
      ordered([
        match({ type: 'PathPrefix', value: '/api' }, 'api-post', 'POST'),
        match({ type: 'PathPrefix', value: '/' }, 'root-get', 'GET'),
      ]),
    );
    const get = (m: CompiledMatch): boolean => m.method === undefined || m.method === 'GET';
    expect(name(byMethod.find('/api/x', get, undefined))).toBe('root-get');
    expect(byMethod.find('/api/x', () => false, undefined)).toBeUndefined();
  });

  it('finds what a scan in precedence order finds, over random routes and paths', () => {
    const segments = ['a', 'b', 'c', 'ab', ''];
    const randomPath = (depth: number): string =>
      '/' + Array.from({ length: depth }, () => segments[Math.floor(Math.random() * 5)]).join('/');
    for (let round = 0; round < 20; round++) {
      const list: CompiledMatch[] = [];
      for (let i = 0; i < 40; i++) {
        const value = randomPath(1 + Math.floor(Math.random() * 3));
        const kind = Math.random();
        const path: HTTPPathMatch =
          kind < 0.3
            ? { type: 'Exact', value }
            : kind < 0.4
              ? { type: 'RegularExpression', value: `${value}.*` }
              : { type: 'PathPrefix', value: Math.random() < 0.2 ? `${value}/` : value };
        list.push(match(path, `m${i}`, Math.random() < 0.3 ? 'POST' : undefined));
      }
      const sorted = ordered(list);
      const idx = new MatchIndex(sorted);
      const get = (m: CompiledMatch): boolean => m.method === undefined;
      for (let i = 0; i < 200; i++) {
        const path = randomPath(Math.floor(Math.random() * 5));
        const scanned = sorted.find((m) => m.path.matches(path) && get(m));
        expect(name(idx.find(path, get, undefined))).toBe(name(scanned));
      }
    }
  });
});
