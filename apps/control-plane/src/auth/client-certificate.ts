// The SPIFFE ID of a verified client certificate on a TLS connection to the admin API.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

export type ClientCertificate =
  | { readonly verified: true; readonly spiffeId: string }
  | { readonly verified: false; readonly reason: string };

/**
 * Undefined when the connection carries no client certificate (plain HTTP, or none sent). A
 * certificate that does not chain to the roots, or names no single `spiffe://` URI, is refused with
 * the reason: a workload certificate's one SAN is its SPIFFE ID.
 */
export function clientCertificateOf(socket: Socket): ClientCertificate | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  const cert = socket.getPeerCertificate();
  if (cert === null || Object.keys(cert).length === 0) return undefined;
  if (!socket.authorized) {
    const why = socket.authorizationError?.message ?? String(socket.authorizationError);
    return { verified: false, reason: `the client certificate is not trusted (${why})` };
  }
  const uris = (cert.subjectaltname ?? '')
    .split(', ')
    .filter((san) => san.startsWith('URI:'))
    .map((san) => san.slice('URI:'.length));
  if (uris.length !== 1 || !uris[0].startsWith('spiffe://')) {
    return { verified: false, reason: 'the client certificate names no single spiffe:// URI' };
  }
  return { verified: true, spiffeId: uris[0] };
}
