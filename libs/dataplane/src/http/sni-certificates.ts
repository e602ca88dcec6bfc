// The certificates of one TLS listener port: SNI picks the listener (most precise hostname), then
// the first of its certificates that covers the name; clients without SNI get the default one.
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { hostnameCovers, hostnamePrecision } from '@app/protocol';

/** A PEM certificate chain and its key, named for logs (the Secret they came from). */
export interface CertificateKeyPair {
  readonly name: string;
  readonly cert: string;
  readonly key: string;
}

/** One Gateway listener of the port: its hostname and its certificates, in `certificateRefs` order. */
export interface SniEntry {
  readonly hostname?: string;
  readonly certificates: readonly CertificateKeyPair[];
}

interface LoadedCertificate {
  readonly pair: CertificateKeyPair;
  readonly x509: X509Certificate;
  readonly context: SecureContext;
}

export class SniCertificates {
  private readonly entries: { hostname?: string; certificates: LoadedCertificate[] }[];

  /** Throws (naming the certificate) when a PEM does not parse or a key does not fit its chain. */
  constructor(entries: readonly SniEntry[]) {
    this.entries = entries
      .map((e) => ({ hostname: e.hostname, certificates: e.certificates.map(load) }))
      .sort((a, b) => hostnamePrecision(b.hostname) - hostnamePrecision(a.hostname));
    if (!this.entries.some((e) => e.certificates.length > 0))
      throw new Error('no certificate to serve');
  }

  /** For `SNICallback`: the context to answer `servername` with. */
  select(servername: string): SecureContext {
    return this.pick(servername.toLowerCase()).context;
  }

  /** What a client that sends no SNI name gets: the certificate of a listener without hostname, else of the least precise one. */
  get fallback(): CertificateKeyPair {
    const last = [...this.entries].reverse().find((e) => e.certificates.length > 0)!;
    return last.certificates[0].pair;
  }

  private pick(servername: string): LoadedCertificate {
    const entry =
      this.entries.find(
        (e) =>
          e.certificates.length > 0 &&
          (e.hostname === undefined || hostnameCovers(e.hostname, servername)),
      ) ?? this.entries.find((e) => e.certificates.length > 0)!;
    return (
      entry.certificates.find((c) => c.x509.checkHost(servername) !== undefined) ??
      entry.certificates[0]
    );
  }
}

function load(pair: CertificateKeyPair): LoadedCertificate {
  try {
    const x509 = new X509Certificate(pair.cert);
    const context = createSecureContext({ cert: pair.cert, key: pair.key });
    return { pair, x509, context };
  } catch (err) {
    throw new Error(`certificate ${pair.name}: ${(err as Error).message}`);
  }
}
