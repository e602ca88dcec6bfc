// HeaderModifier: remove, set (replacing every prior value), add (keeping prior values), any case.
import { describe, expect, it } from '@jest/globals';
import { HeaderModifier } from './header-modifier.js';

const modifier = new HeaderModifier({
  set: [{ name: 'X-Env', value: 'prod' }],
  add: [{ name: 'X-Hop', value: 'weft' }],
  remove: ['X-Debug'],
});

describe('HeaderModifier', () => {
  it('rewrites a flat request header list', () => {
    const out = modifier.applyToFlat([
      'Host',
      'b',
      'x-env',
      'dev',
      'X-ENV',
      'qa',
      'x-debug',
      '1',
      'X-Hop',
      'client',
    ]);
    expect(out).toEqual(['Host', 'b', 'X-Hop', 'client', 'X-Env', 'prod', 'X-Hop', 'weft']);
  });

  it('rewrites response headers keyed by lower-case name', () => {
    const headers: Record<string, string | string[] | undefined> = {
      'x-env': 'dev',
      'x-debug': '1',
      'x-hop': 'app',
    };
    modifier.applyToHeaders(headers);
    expect(headers).toEqual({ 'x-env': 'prod', 'x-hop': ['app', 'weft'] });
  });

  it('adds a header that was absent as a single value', () => {
    const headers: Record<string, string | string[] | undefined> = {};
    modifier.applyToHeaders(headers);
    expect(headers['x-hop']).toBe('weft');
  });
});
