// Unit spec for the inbound layer: the caller's edge, the local app (h2c for HTTP/2), no timeout, the path untouched.
import { describe, expect, it } from '@jest/globals';
import { fakeExchange, fakeRequest } from '../http/http-doubles.testing.js';
import { TrafficStats } from '../metrics/traffic-stats.js';
import { ExchangeNotes } from '../telemetry/exchange-notes.js';
import { Cluster } from '../upstream/cluster.js';
import { localApp } from './local-app.layer.js';

describe('localApp', () => {
  const stats = new TrafficStats('shop/api');
  const [app, h2c] = [new Cluster('local/inbound'), new Cluster('local/inbound')];
  const step = localApp(stats, app, h2c, 'shop/api');

  it('sends the request to the app as it came, counted by its caller, logged as the app', () => {
    const notes = new ExchangeNotes();
    const req = fakeRequest({ url: '/x?y=1', headers: { 'x-weft-caller': 'shop/web' } });
    const ex = fakeExchange(req, undefined, notes);
    expect(step(ex)).toBe('next');
    expect([ex.cluster, ex.policy, ex.path, notes.upstream]).toEqual([
      app,
      { timeoutMs: 0 },
      '/x?y=1',
      'local/inbound',
    ]);
    expect(ex.edge).toBe(stats.inbound('shop/web', 'shop/api'));
  });

  it('sends HTTP/2 to the h2c app; a caller without a name counts as unknown', () => {
    const ex = fakeExchange(fakeRequest({ httpVersionMajor: 2 }));
    step(ex);
    expect(ex.cluster).toBe(h2c);
    expect(ex.edge).toBe(stats.inbound(undefined, 'shop/api'));
  });
});
