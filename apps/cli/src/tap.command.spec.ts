// weft tap's line format.
import { describe, expect, it } from '@jest/globals';
import type { AccessRecord } from '@app/dataplane/telemetry/access-log.js';
import { formatRecord } from './tap.command.js';

/** An outbound request's record, as a proxy publishes it. */
const OUTBOUND: AccessRecord = {
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
};

describe('formatRecord', () => {
  it('prints time, request, status, duration, hop, route → upstream, retries and trace', () => {
    expect(formatRecord(OUTBOUND)).toBe(
      `10:24:31.123 GET b/x 503 12.3ms outbound HTTPRoute/default/r#0 → default/b (http://127.0.0.1:15006) retries=2 trace=${'a'.repeat(32)}`,
    );
  });

  it('names the verified caller of an inbound request', () => {
    const inbound: AccessRecord = {
      ...OUTBOUND,
      listener: 'inbound',
      status: 200,
      durationMs: 1,
      sourcePrincipal: 'spiffe://cluster.local/ns/default/sa/a',
      route: '',
      upstream: 'local/inbound',
      endpoint: 'http://127.0.0.1:8080',
      retries: 0,
    };
    expect(formatRecord(inbound)).toBe(
      `10:24:31.123 GET b/x 200 1.0ms inbound from=spiffe://cluster.local/ns/default/sa/a - → local/inbound (http://127.0.0.1:8080) trace=${'a'.repeat(32)}`,
    );
  });
});
