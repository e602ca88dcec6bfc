// Unit spec for the access log's notes: the route and upstream are written down for a logged exchange only.
import { describe, expect, it } from '@jest/globals';
import { fakeExchange } from '../http/http-doubles.testing.js';
import type { CompiledRoute } from '../routing/route-table.js';
import { Cluster } from '../upstream/cluster.js';
import { ExchangeNotes, noteRoute } from './exchange-notes.js';

describe('noteRoute', () => {
  it('writes down the route and upstream Service of a logged exchange, and goes on', () => {
    const notes = new ExchangeNotes();
    const ex = fakeExchange(undefined, undefined, notes);
    ex.route = { name: 'HTTPRoute/shop/api#0' } as CompiledRoute;
    ex.cluster = new Cluster('shop/api');
    expect(noteRoute(ex)).toBe('next');
    expect([notes.route, notes.upstream, notes.upstreamMs]).toEqual([
      'HTTPRoute/shop/api#0',
      'shop/api',
      -1,
    ]);
  });

  it('does nothing for an exchange not logged', () => {
    const ex = fakeExchange();
    ex.route = { name: 'r' } as CompiledRoute;
    expect(noteRoute(ex)).toBe('next');
    expect(ex.notes).toBeUndefined();
  });
});
