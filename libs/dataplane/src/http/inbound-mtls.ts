// A workload inbound listener's mutual TLS: the mode its PeerAuthentication gives (STRICT, PERMISSIVE,
// DISABLE), the workload's current certificate, and the verified peer of each TLS connection.
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import { DEFAULT_MTLS_MODE, parseSpiffeId, type MtlsMode } from '@app/protocol';
import type { HandshakeFailure, HandshakeFailureSink } from '@app/runtime';
import { secureContextOptions, type CertificateBundle } from '../identity/certificate-bundle.js';

/** The first byte of a TLS connection: a handshake record (RFC 8446 §5.1, content type 22). */
export const TLS_HANDSHAKE_RECORD = 0x16;

/** Where a TLS connection keeps the SPIFFE ID its client certificate proved. */
const PEER = Symbol('weft.peer');
type PeerSocket = { [PEER]?: string };

/**
 * Emits `certificate` when the workload's leaf or trust roots change: the listener's TLS server takes
 * them for new handshakes (connections already open keep theirs, so none fails).
 */
export class InboundMtls extends EventEmitter<{ certificate: [SecureContextOptions] }> {
  /** What new connections are held to; a PeerAuthentication change applies from the next one. */
  mode: MtlsMode = DEFAULT_MTLS_MODE;
  private context: SecureContextOptions | undefined;

  constructor(
    /** Where refused connections are counted and logged (none: only refused). */
    readonly failures?: HandshakeFailureSink,
  ) {
    super();
  }

  /** Closes a connection `listener` does not take, reporting why. */
  refuse(listener: string, socket: Socket, reason: HandshakeFailure): void {
    this.failures?.note(listener, reason, socket.remoteAddress);
    socket.destroy();
  }

  /** The TLS settings of the current certificate; undefined before the first. */
  get secureContext(): SecureContextOptions | undefined {
    return this.context;
  }

  setCertificate(bundle: CertificateBundle): void {
    // TLS 1.3 only; the client's certificate is checked against the same roots.
    this.context = { ...secureContextOptions(bundle), minVersion: 'TLSv1.3' };
    this.emit('certificate', this.context);
  }
}

/**
 * Notes the SPIFFE ID a verified client certificate names on its connection; false when the
 * certificate names none (only what the mesh CA signs, one URI SAN, is a peer).
 */
export function notePeer(socket: TLSSocket): boolean {
  const san = socket.getPeerCertificate().subjectaltname ?? '';
  const uri = san.startsWith('URI:') && !san.includes(',') ? san.slice(4) : '';
  if (parseSpiffeId(uri) === undefined) return false;
  (socket as PeerSocket)[PEER] = uri;
  return true;
}

/**
 * The verified caller of a request over HTTP: the SPIFFE ID of its connection's client certificate;
 * undefined for plaintext. Never from a header. (A bus responder hands its caller to `handle`.)
 */
export function peerOf(req: IncomingMessage): string | undefined {
  try {
    // An HTTP/2 request's socket is a proxy of its session's: a property read reaches the socket.
    return (req.socket as PeerSocket | null)?.[PEER];
  } catch {
    // A session already closed has no socket to ask.
    return undefined;
  }
}
