// Unit spec for Istio's value forms: exact, prefix, suffix, presence; matching and coverage.
import { describe, expect, it } from '@jest/globals';
import { parsePattern, patternCovers, patternMatches } from './value-pattern.js';

describe('parsePattern', () => {
  it.each([
    ['*', 'presence', ''],
    ['/api/*', 'prefix', '/api/'],
    ['*.css', 'suffix', '.css'],
    ['GET', 'exact', 'GET'],
    ['/a*b', 'exact', '/a*b'],
    ['**', 'suffix', '*'],
  ])('%s is %s %j', (raw, kind, text) => {
    expect(parsePattern(raw)).toEqual({ kind, text });
  });
});

describe('patternMatches', () => {
  it.each([
    ['*', 'anything', true],
    ['/api/*', '/api/x', true],
    ['/api/*', '/api', false],
    ['*/sa/api', 'cluster.local/ns/a/sa/api', true],
    ['*/sa/api', 'cluster.local/ns/a/sa/api2', false],
    ['GET', 'GET', true],
    ['GET', 'GETX', false],
    ['/a*b', '/axb', false],
    ['/a*b', '/a*b', true],
  ])('%s against %s: %s', (raw, value, expected) => {
    expect(patternMatches(parsePattern(raw), value)).toBe(expected);
  });
});

describe('patternCovers', () => {
  it.each([
    ['*', '/x', true],
    ['*', '/x*', true],
    ['*', '*', true],
    ['/x', '*', false],
    ['/a/*', '/a/b', true],
    ['/a/*', '/a/b/*', true],
    ['/a/b/*', '/a/*', false],
    ['/a/*', '/b', false],
    ['*.css', '/x.css', true],
    ['*.css', '*/a.css', true],
    ['*/a.css', '*.css', false],
    ['/a*', '*b', false],
    ['*b', '/a*', false],
    ['/a', '/a', true],
    ['/a', '/a*', false],
  ])('%s covers %s: %s', (outer, inner, expected) => {
    expect(patternCovers(parsePattern(outer), parsePattern(inner))).toBe(expected);
  });
});
