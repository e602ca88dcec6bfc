// Refused TLS handshakes (no client certificate, an untrusted one, a wrong protocol, plaintext where TLS
// is required): counted by listener and reason, and logged at a bounded rate, since whoever can reach
// a port can make them by the thousand.
import type { TLSSocket } from 'node:tls';
import type { Logger } from './logger.js';
import { LogThrottle } from './log-throttle.js';
import { eventCounter } from './process-metrics.js';

/** Why a listener refused a connection before any request: a fixed vocabulary (metric labels). */
export type HandshakeFailure =
  /** Plaintext where only TLS is taken (a STRICT inbound, an HTTPS admin port). */
  | 'plaintext'
  /** mTLS without a client certificate. */
  | 'no_client_certificate'
  /** A client certificate that does not chain to the trust bundle (or expired). */
  | 'untrusted_certificate'
  /** A certificate the mesh CA signed that names no workload (no single SPIFFE ID). */
  | 'not_a_workload'
  /** A TLS version, cipher or record this listener does not speak. */
  | 'wrong_protocol'
  /** TLS to an inbound whose PeerAuthentication is DISABLE. */
  | 'tls_disabled'
  /** TLS to an inbound whose workload holds no certificate yet. */
  | 'no_certificate_yet'
  /** The client hung up or went quiet mid-handshake. */
  | 'aborted'
  | 'other';

/** Where refusals are reported; a listener names itself (`inbound`, `admin`). */
export interface HandshakeFailureSink {
  note(listener: string, reason: HandshakeFailure, remoteAddress?: string): void;
}

/** OpenSSL's and Node's codes for a client that speaks another TLS (version, ciphers, records). */
const WRONG_PROTOCOL = new Set([
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_UNEXPECTED_MESSAGE',
  'ERR_SSL_NO_SHARED_CIPHER',
  'ERR_SSL_VERSION_TOO_LOW',
  'ERR_SSL_NO_APPLICATION_PROTOCOL',
]);

/**
 * The reason of a server's `tlsClientError`. An untrusted client certificate fails after OpenSSL's
 * handshake: Node closes the socket, which it reports as a hang-up with the socket's
 * `authorizationError` set.
 */
export function handshakeFailureReason(
  err: NodeJS.ErrnoException,
  socket: Pick<TLSSocket, 'authorizationError'>,
): HandshakeFailure {
  if (socket.authorizationError) return 'untrusted_certificate';
  const code = err.code ?? '';
  if (code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') return 'no_client_certificate';
  if (code === 'ERR_SSL_HTTP_REQUEST') return 'plaintext';
  if (WRONG_PROTOCOL.has(code)) return 'wrong_protocol';
  if (code === 'ECONNRESET' || code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'aborted';
  return 'other';
}

/** Prometheus: `weft_tls_handshake_failures_total{listener,reason}`. */
const failures = eventCounter(
  'weft.tls.handshake_failures',
  'Connections a TLS listener refused before any request, by listener and reason',
  '{handshake}',
);

export class TlsHandshakeFailures implements HandshakeFailureSink {
  /** Five lines a minute per listener and reason; the next line says how many were held back. */
  private readonly throttle = new LogThrottle(5, 60_000);

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  note(listener: string, reason: HandshakeFailure, remoteAddress?: string): void {
    failures.inc({ listener, reason });
    const heldBack = this.throttle.admit(`${listener} ${reason}`, this.now());
    if (heldBack === undefined) return;
    this.log.warn(
      { listener, reason, remoteAddress, ...(heldBack > 0 && { heldBack }) },
      'refused TLS handshake',
    );
  }
}

/** Reports every handshake `server` (a `tls.Server`) fails to `sink`, as `listener`'s. */
export function watchTlsHandshakes(
  server: { on(event: 'tlsClientError', fn: (err: Error, socket: TLSSocket) => void): unknown },
  listener: string,
  sink: HandshakeFailureSink,
): void {
  server.on('tlsClientError', (err, socket) =>
    sink.note(listener, handshakeFailureReason(err, socket), socket.remoteAddress),
  );
}
