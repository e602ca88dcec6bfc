// Unit spec for the path authorization matches on: RFC 3986 normalization with merged slashes.
import { describe, expect, it } from '@jest/globals';
import { mayNeedNormalizing, normalizePath, pathEnd } from './path-normalization.js';

describe('normalizePath', () => {
  it.each([
    ['/', '/'],
    ['/a/b', '/a/b'],
    ['/a/b/', '/a/b/'],
    ['/a/../b', '/b'],
    ['/a/./b', '/a/b'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/..', '/'],
    ['/../../admin', '/admin'],
    ['//admin', '/admin'],
    ['/a//b///c', '/a/b/c'],
    ['\\admin', '/admin'],
    ['/a\\..\\admin', '/admin'],
    ['/%61dmin', '/admin'],
    ['/a/%2e%2e/admin', '/admin'],
    ['/a/%2E%2E/admin', '/admin'],
    ['/%7euser', '/~user'],
    ['/a%2fb', '/a%2Fb'],
    ['/a%2Fb', '/a%2Fb'],
    ['/caf%c3%a9', '/caf%C3%A9'],
    ['/100%', '/100%'],
    ['/%zz', '/%zz'],
    ['/%4', '/%4'],
    ['/.well-known/x', '/.well-known/x'],
    ['/a/..b', '/a/..b'],
  ])('%s → %s', (path, normalized) => {
    expect(normalizePath(path)).toBe(normalized);
  });
});

describe('mayNeedNormalizing', () => {
  it('is false for plain paths, up to the end given', () => {
    expect(mayNeedNormalizing('/api/v1/items', 13)).toBe(false);
    expect(mayNeedNormalizing('/api?x=%41//..', 4)).toBe(false);
  });

  it.each(['/a/../b', '//a', '/%61', '\\a', '/.x'])('is true for %s', (path) => {
    expect(mayNeedNormalizing(path, path.length)).toBe(true);
  });

  it('is true whenever normalizing changes the path (a path that needs none is never missed)', () => {
    const samples = ['/a', '/a/b/', '/a.b', '/a./b', '/a~b', '/-_.~', '/a%b', '/a/.', '/..', '/\\'];
    for (const path of samples) {
      if (normalizePath(path) !== path) expect(mayNeedNormalizing(path, path.length)).toBe(true);
    }
  });
});

describe('pathEnd', () => {
  it.each([
    ['/a?b', 2],
    ['/a#b', 2],
    ['/a', 2],
    ['/a?b#c', 2],
  ])('%s ends at %d', (target, end) => {
    expect(pathEnd(target)).toBe(end);
  });
});
