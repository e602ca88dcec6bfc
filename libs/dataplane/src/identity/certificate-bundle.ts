// What a workload identity holds: its key and leaf chain with the trust roots, ready for a SecureContext.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { SecureContextOptions } from 'node:tls';
import { certificateFingerprint } from '@app/protocol';
import {
  chainRoot,
  SubjectAlternativeNameExtension,
  X509Certificate,
} from '@app/protocol/identity/pki.js';

export interface CertificateBundle {
  readonly spiffeId: string;
  /** PKCS#8 PEM: made in this process, never sent anywhere. */
  readonly key: string;
  /** Leaf first, then any intermediates (PEM). */
  readonly chain: readonly string[];
  /** The trust bundle to verify peers against (PEM). */
  readonly roots: readonly string[];
  /** Hex serial, validity and the fingerprint of the root the leaf chains to. */
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly issuer: string;
  /** When this process received the leaf (ms since the epoch): renewal is timed from it. */
  readonly receivedAt: number;
}

/** `tls.createSecureContext` options presenting the leaf and trusting the bundle's roots. */
export function secureContextOptions(bundle: CertificateBundle): SecureContextOptions {
  return { key: bundle.key, cert: bundle.chain.join('\n'), ca: [...bundle.roots] };
}

/** A key, chain and roots that do not make a usable bundle for `spiffeId`. */
export class BundleRejected extends Error {}

/**
 * Checks what the CA (or the disk cache) gave against what this identity asked for, and builds
 * the bundle: the leaf names exactly `spiffeId`, carries `key`'s public key, is valid at `now`, and
 * chains to one of `roots`.
 */
export async function assembleBundle(
  spiffeId: string,
  key: string,
  chain: readonly string[],
  roots: readonly string[],
  now: number,
  receivedAt = now,
): Promise<CertificateBundle> {
  const certs = chain.map((pem) => new X509Certificate(pem));
  const rootCerts = roots.map((pem) => new X509Certificate(pem));
  const leaf = certs[0];
  if (!leaf) throw new BundleRejected('the chain holds no certificate');
  const names = leaf.getExtension(SubjectAlternativeNameExtension)?.names.items ?? [];
  if (names.length !== 1 || names[0].type !== 'url' || names[0].value !== spiffeId) {
    throw new BundleRejected(`the leaf does not name ${spiffeId} alone`);
  }
  const ours = createPublicKey(createPrivateKey(key)).export({ type: 'spki', format: 'der' });
  if (!ours.equals(Buffer.from(leaf.publicKey.rawData))) {
    throw new BundleRejected('the leaf is for another key than this identity’s');
  }
  if (leaf.notAfter.getTime() <= now) throw new BundleRejected('the leaf has expired');
  const root = await chainRoot(certs, rootCerts);
  if (!root) throw new BundleRejected('the leaf does not chain to any root of the trust bundle');
  return {
    spiffeId,
    key,
    chain: [...chain],
    roots: [...roots],
    serial: leaf.serialNumber,
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    issuer: certificateFingerprint(root.toString('pem')),
    receivedAt,
  };
}
