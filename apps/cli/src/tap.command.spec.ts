// weft tap's line format.
import { describe, expect, it } from '@jest/globals';
import { formatRecord } from './tap.command.js';

describe('formatRecord', () => {
  it('prints time, request, status, duration, hop, route → upstream, retries and trace', () => {
    const line = formatRecord({
      v: 1,
      time: Date.UTC(2026, 10, 25, 10, 24, 31, 123),
      traceId: 'a'.repeat(32),
      listener: 'outbound',
      method: 'GET',
      host: 'b',
      path: '/x',
      status: 503,
      durationMs: 12.345,
      sourcePrincipal: '',
      upstreamMs: 11.2,
      route: 'HTTPRoute/default/r#0',
      upstream: 'default/b',
      endpoint: 'http://127.0.0.1:15006',
      retries: 2,
      bytesIn: 0,
      bytesOut: 10,
    });
    expect(line).toBe(
      `10:24:31.123 GET b/x 503 12.3ms outbound HTTPRoute/default/r#0 → default/b (http://127.0.0.1:15006) retries=2 trace=${'a'.repeat(32)}`,
    );
  });

  it('names the verified caller of an inbound request', () => {
    const line = formatRecord({
      v: 1,
      time: Date.UTC(2026, 10, 25, 10, 24, 31, 123),
      traceId: 'b'.repeat(32),
      listener: 'inbound',
      method: 'GET',
      host: 'b',
      path: '/y',
      status: 200,
      durationMs: 1,
      sourcePrincipal: 'spiffe://cluster.local/ns/default/sa/a',
      upstreamMs: 0.5,
      route: '',
      upstream: 'local/inbound',
      endpoint: 'http://127.0.0.1:8080',
      retries: 0,
      bytesIn: 0,
      bytesOut: 2,
    });
    expect(line).toBe(
      `10:24:31.123 GET b/y 200 1.0ms inbound from=spiffe://cluster.local/ns/default/sa/a - → local/inbound (http://127.0.0.1:8080) trace=${'b'.repeat(32)}`,
    );
  });
});
