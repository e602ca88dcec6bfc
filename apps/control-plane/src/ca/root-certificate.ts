// A new self-signed mesh root: ECDSA P-256, CA for workload leaves only (path length 0).
import { randomBytes } from 'node:crypto';
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
  ECDSA_P256,
  generateP256KeyPair,
} from '@app/protocol/identity/pki.js';
import type { SigningKey } from './signing-key.js';

/** A generated root outlives many rotations' worth of leaves; `weft ca rotate` replaces it. */
export const ROOT_LIFETIME_MS = 10 * 365 * 24 * 3_600_000;

export interface NewRoot {
  readonly pem: string;
  readonly signing: SigningKey;
}

export async function generateRoot(trustDomain: string, now = Date.now()): Promise<NewRoot> {
  const keys = await generateP256KeyPair();
  const serialNumber = `01${randomBytes(15).toString('hex')}`;
  // Each root's name is its own (a serial in it), so chain builders never confuse two of them.
  const name = `O=Weft, OU=${trustDomain}, CN=Weft mesh root ${serialNumber.slice(2, 14)}`;
  const cert = await X509CertificateGenerator.createSelfSigned({
    name,
    keys,
    serialNumber,
    signingAlgorithm: ECDSA_P256,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + ROOT_LIFETIME_MS),
    extensions: [
      new BasicConstraintsExtension(true, 0, true),
      new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
      await SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { pem: cert.toString('pem'), signing: { key: keys.privateKey, algorithm: ECDSA_P256 } };
}
