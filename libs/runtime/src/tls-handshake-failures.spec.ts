// Unit spec for refused TLS handshakes: each reason named from what Node reports, counted in the
// process's metrics, and logged five lines a minute per listener and reason.
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { processMetrics } from './process-metrics.js';
import { handshakeFailureReason, TlsHandshakeFailures } from './tls-handshake-failures.js';

/** An error as Node's TLS server reports it (`code`), on a socket with `authorizationError`. */
const reasonOf = (code: string, authorizationError: string | null = null) =>
  handshakeFailureReason(Object.assign(new Error(code), { code }), {
    authorizationError: authorizationError as unknown as Error,
  });

/** `weft_tls_handshake_failures_total` for `listener` and `reason` in the exposition. */
async function counted(listener: string, reason: string): Promise<number> {
  const line = (await processMetrics.render())
    .split('\n')
    .find((l) =>
      l.startsWith(`weft_tls_handshake_failures_total{listener="${listener}",reason="${reason}"}`),
    );
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('TLS handshake failures', () => {
  it('names the reason from the error and the socket', () => {
    expect(reasonOf('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE')).toBe('no_client_certificate');
    // Node closes a socket whose client certificate failed verification: a hang-up, with the why.
    expect(reasonOf('ECONNRESET', 'DEPTH_ZERO_SELF_SIGNED_CERT')).toBe('untrusted_certificate');
    expect(reasonOf('ECONNRESET')).toBe('aborted');
    expect(reasonOf('ERR_SSL_HTTP_REQUEST')).toBe('plaintext');
    expect(reasonOf('ERR_SSL_UNSUPPORTED_PROTOCOL')).toBe('wrong_protocol');
    expect(reasonOf('ERR_SSL_UNEXPECTED_MESSAGE')).toBe('wrong_protocol');
    expect(reasonOf('ERR_SOMETHING_NEW')).toBe('other');
  });

  it('counts every refusal and logs five a minute per listener and reason, then how many it held back', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino(
      { level: 'warn' },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    let now = 0;
    const failures = new TlsHandshakeFailures(log, () => now);
    for (let i = 0; i < 1_000; i++) failures.note('spec-inbound', 'plaintext', '127.0.0.1');
    failures.note('spec-inbound', 'no_client_certificate', '127.0.0.1');
    expect(await counted('spec-inbound', 'plaintext')).toBe(1_000);
    expect(await counted('spec-inbound', 'no_client_certificate')).toBe(1);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatchObject({
      msg: 'refused TLS handshake',
      listener: 'spec-inbound',
      reason: 'plaintext',
      remoteAddress: '127.0.0.1',
    });
    now = 60_000;
    failures.note('spec-inbound', 'plaintext');
    expect(lines.at(-1)).toMatchObject({ reason: 'plaintext', heldBack: 995 });
  });
});
