// A mesh CA for unit specs: a root and P-256 leaves whose one URI SAN is a SPIFFE ID, as the
// control plane's CA issues them, as ready-made certificate bundles.
import { webcrypto } from 'node:crypto';
import {
  BasicConstraintsExtension,
  ECDSA_P256,
  generateP256KeyPair,
  PemConverter,
  SubjectAlternativeNameExtension,
  X509CertificateGenerator,
  type X509Certificate,
} from '@app/protocol/identity/pki.js';
import type { CertificateBundle } from './certificate-bundle.js';

export class MeshCa {
  private constructor(
    readonly root: X509Certificate,
    /** The root's signing key. */
    readonly key: webcrypto.CryptoKey,
  ) {}

  static async make(): Promise<MeshCa> {
    const keys = await generateP256KeyPair();
    const root = await X509CertificateGenerator.createSelfSigned({
      name: `CN=spec root ${Math.random()}`,
      keys,
      signingAlgorithm: ECDSA_P256,
      extensions: [new BasicConstraintsExtension(true, 0, true)],
    });
    return new MeshCa(root, keys.privateKey);
  }

  /** A bundle for `spiffeId` valid for an hour, trusting this CA's root (and `moreRoots`). */
  async issue(spiffeId: string, moreRoots: readonly string[] = []): Promise<CertificateBundle> {
    const keys = await generateP256KeyPair();
    const now = Date.now();
    const leaf = await X509CertificateGenerator.create({
      subject: '',
      issuer: this.root.subject,
      publicKey: keys.publicKey,
      signingKey: this.key,
      signingAlgorithm: ECDSA_P256,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 3_600_000),
      extensions: [new SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }], true)],
    });
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    return {
      spiffeId,
      key: PemConverter.encode(pkcs8, 'PRIVATE KEY'),
      chain: [leaf.toString('pem')],
      roots: [this.root.toString('pem'), ...moreRoots],
      serial: leaf.serialNumber,
      notBefore: leaf.notBefore,
      notAfter: leaf.notAfter,
      issuer: 'spec',
      receivedAt: now,
    };
  }
}
