// Signs a workload leaf: the SPIFFE ID as its only SAN, digitalSignature, serverAuth + clientAuth.
import { randomBytes } from 'node:crypto';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
  type PublicKey,
  type X509Certificate,
} from '@app/protocol/identity/pki.js';
import type { SigningKey } from './signing-key.js';

/** Leaves start this far in the past, so a peer whose clock lags a little accepts them. */
const CLOCK_SKEW_MS = 60_000;

export interface Issuer {
  readonly cert: X509Certificate;
  readonly signing: SigningKey;
}

/**
 * A leaf for `spiffeId` over `publicKey`, valid for `ttlMs` but never past its issuer. The
 * requester's other wishes (subject, extensions) are never copied: everything is set here.
 */
export async function issueLeaf(
  issuer: Issuer,
  publicKey: PublicKey,
  spiffeId: string,
  ttlMs: number,
  now = Date.now(),
): Promise<X509Certificate> {
  const notAfter = Math.min(now + ttlMs, issuer.cert.notAfter.getTime());
  return X509CertificateGenerator.create({
    serialNumber: `01${randomBytes(15).toString('hex')}`,
    subject: '',
    issuer: issuer.cert.subjectName,
    publicKey,
    signingKey: issuer.signing.key,
    signingAlgorithm: issuer.signing.algorithm,
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(notAfter),
    extensions: [
      new BasicConstraintsExtension(false, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
      new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth, ExtendedKeyUsage.clientAuth]),
      // An empty subject makes the SAN critical (RFC 5280 4.2.1.6).
      new SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }], true),
      await authorityKeyId(issuer.cert),
    ],
  });
}

/** The issuer's own key identifier when it has one (operators' CAs may compute it otherwise). */
async function authorityKeyId(cert: X509Certificate): Promise<AuthorityKeyIdentifierExtension> {
  const ski = cert.getExtension(SubjectKeyIdentifierExtension);
  return ski
    ? new AuthorityKeyIdentifierExtension(ski.keyId)
    : AuthorityKeyIdentifierExtension.create(cert.publicKey);
}
