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
});
