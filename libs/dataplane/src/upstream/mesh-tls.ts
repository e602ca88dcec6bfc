// A caller's side of mesh mTLS: its workload certificate presented to every meshed endpoint, and each
// endpoint's certificate held to the SPIFFE ID of the instance it is (Istio's per-endpoint SAN check).
import { createSecureContext, type PeerCertificate, type SecureContext } from 'node:tls';
import { parseSpiffeId, spiffeId } from '@app/protocol';
import { secureContextOptions, type CertificateBundle } from '../identity/certificate-bundle.js';
import type { UpstreamTls } from './upstream-tls.js';

/** What the caller presents: its workload identity, which emits `change` with each new bundle. */
export interface CallerCertificate {
  readonly spiffeId: string;
  readonly current: CertificateBundle | undefined;
  on(event: 'change', listener: (bundle: CertificateBundle) => void): unknown;
}

/** Peer identities remembered; past it the memo starts over (an entry is cheap to make again). */
const MAX_PEERS = 4_096;

/** A certificate that is not exactly the expected identity's is refused (the TLS handshake fails). */
export class PeerIdentityMismatch extends Error {
  readonly code = 'ERR_WEFT_PEER_IDENTITY';
}

export class MeshTls {
  private readonly trustDomain: string;
  private context: SecureContext | undefined;
  private readonly peers = new Map<string, UpstreamTls>();
  /** The current context, read by each new connection. */
  private readonly current = (): SecureContext | undefined => this.context;

  /** The SPIFFE ID this caller presents. */
  private readonly caller: string;

  constructor(caller: CallerCertificate) {
    this.caller = caller.spiffeId;
    const id = parseSpiffeId(caller.spiffeId);
    if (!id) throw new Error(`not a SPIFFE ID: ${caller.spiffeId}`);
    this.trustDomain = id.trustDomain;
    if (caller.current) this.take(caller.current);
    caller.on('change', (bundle) => this.take(bundle));
  }

  /**
   * The TLS a call to an instance running as `serviceAccount` in `namespace` is made with: TLS 1.3
   * with the caller's certificate, the peer's chain verified against the trust bundle and its only
   * SAN equal to the instance's SPIFFE ID. Before the caller holds a certificate, connections fail.
   */
  toInstance(namespace: string, serviceAccount: string): UpstreamTls {
    return this.toPeer(spiffeId(this.trustDomain, namespace, serviceAccount));
  }

  /**
   * The same, for an instance of another cluster reached through its east-west gateway: the
   * connection carries `sni` (naming the instance) so the gateway can route it without terminating
   * TLS; the certificate at the end of it must still be the instance's.
   */
  throughGateway(namespace: string, serviceAccount: string, sni: string): UpstreamTls {
    return this.toPeer(spiffeId(this.trustDomain, namespace, serviceAccount), sni);
  }

  /**
   * `tls` (an endpoint's, made by another caller's MeshTls) as this caller makes it: the same peer
   * check, this caller's certificate. Other TLS settings are returned as they are.
   */
  instead(tls: UpstreamTls | undefined): UpstreamTls | undefined {
    return tls?.peer === undefined ? tls : this.toPeer(tls.peer, tls.servername);
  }

  private toPeer(peer: string, servername?: string): UpstreamTls {
    const key = servername === undefined ? peer : `${peer} ${servername}`;
    let tls = this.peers.get(key);
    if (!tls) {
      if (this.peers.size >= MAX_PEERS) this.peers.clear();
      const expected = `URI:${peer}`;
      tls = {
        // Pools are keyed by it: a connection presents one caller's certificate, never another's,
        // and one gateway connection is routed to one instance, never another's.
        id: `mesh ${key} from ${this.caller}`,
        peer,
        servername,
        options: {
          minVersion: 'TLSv1.3',
          rejectUnauthorized: true,
          checkServerIdentity: (_host: string, cert: PeerCertificate) =>
            cert.subjectaltname === expected
              ? undefined
              : new PeerIdentityMismatch(
                  `peer certificate names ${cert.subjectaltname ?? 'nothing'}, not ${peer}`,
                ),
        },
        secureContext: this.current,
        alpnFollowsProtocol: true,
      };
      this.peers.set(key, tls);
    }
    return tls;
  }

  private take(bundle: CertificateBundle): void {
    // New connections present the new leaf and trust the new roots; open ones keep theirs.
    this.context = createSecureContext({ ...secureContextOptions(bundle), minVersion: 'TLSv1.3' });
  }
}
