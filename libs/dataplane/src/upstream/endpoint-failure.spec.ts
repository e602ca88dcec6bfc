// Unit spec for endpoint failures: which errors fail over to an untried endpoint, the ejection of a
// refusing one, and the reason each error is answered with.
import { describe, expect, it } from '@jest/globals';
import { NO_RESPONDERS_CODE } from '../http/local-reply.js';
import { Cluster } from './cluster.js';
import { endpoint } from './endpoint.js';
import { failoverReason, isConnectFailure, nextEndpoint, reasonFor } from './endpoint-failure.js';

const a = endpoint('a', '10.0.0.1', 80);
const b = endpoint('b', '10.0.0.2', 80);

describe('endpoint failure', () => {
  it('tells a connection never made (refused, unreachable, TLS handshake) from others', () => {
    for (const code of [
      'ECONNREFUSED',
      'UND_ERR_CONNECT_TIMEOUT',
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ]) {
      expect(isConnectFailure(code)).toBe(true);
    }
    expect(isConnectFailure('ECONNRESET')).toBe(false);
  });

  it('fails over after a refused connection always, after a dropped one on a pooled try only', () => {
    expect(failoverReason('ECONNREFUSED', false)).toBe('connect_failure');
    expect(failoverReason('ECONNRESET', true)).toBe('stale_connection');
    expect(failoverReason('ECONNRESET', false)).toBeUndefined();
    expect(failoverReason('UND_ERR_HEADERS_TIMEOUT', true)).toBeUndefined();
  });

  it('ejects an endpoint that refused the connection and picks an untried one', () => {
    const cluster = new Cluster('shop/api');
    cluster.setEndpoints([a, b]);
    expect(nextEndpoint(cluster, a, [a], 'ECONNREFUSED', 5_000, {})).toBe(b);
    // a is skipped from now on, tried or not.
    expect([cluster.pick(), cluster.pick()]).toEqual([b, b]);
  });

  it('does not eject after a dropped connection, and has none to give once all were tried', () => {
    const cluster = new Cluster('shop/api');
    cluster.setEndpoints([a, b]);
    expect(nextEndpoint(cluster, a, [a, b], 'ECONNRESET', 5_000, {})).toBeUndefined();
    expect(cluster.ejections).toBe(0);
  });

  it('answers each error with its reason', () => {
    expect(reasonFor('UND_ERR_HEADERS_TIMEOUT')).toBe('upstream_timeout');
    expect(reasonFor('WEFT_REQUEST_TIMEOUT')).toBe('upstream_timeout');
    expect(reasonFor('ECONNREFUSED')).toBe('upstream_connect_failure');
    expect(reasonFor('UND_ERR_REQ_CONTENT_LENGTH_MISMATCH')).toBe('bad_request');
    expect(reasonFor(NO_RESPONDERS_CODE)).toBe('no_responders');
    expect(reasonFor('ECONNRESET')).toBe('upstream_reset');
  });
});
