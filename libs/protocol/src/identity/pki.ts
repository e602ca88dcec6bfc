// The X.509 toolkit every side of the CA protocol shares: @peculiar/x509 on node:crypto's webcrypto,
// the workload key algorithm, and which root a chain leads to. Import @peculiar/x509 through this
// file (it sets the crypto provider); the protocol's index leaves it out, so that what does not
// handle certificates never loads it.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { cryptoProvider, X509Certificate } from '@peculiar/x509';

export * from '@peculiar/x509';

// @peculiar/x509 finds no global crypto provider under Node: give it node:crypto's once (its
// typings name the DOM's `Crypto`, which this project's lib does not declare).
cryptoProvider.set(webcrypto as never);

/** ECDSA P-256 with SHA-256: every key Weft makes (workload keys and generated roots). */
export const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A fresh exportable P-256 key pair (exportable: it is written to the proxy's own disk cache). */
export function generateP256KeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
}

/**
 * The root (from `roots`) whose key signed the top of `chain` (leaf first), or undefined: checked
 * by signature, not by names, so a root that merely shares a subject does not count.
 */
export async function chainRoot(
  chain: readonly X509Certificate[],
  roots: readonly X509Certificate[],
): Promise<X509Certificate | undefined> {
  const top = chain[chain.length - 1];
  if (top === undefined) return undefined;
  for (const root of roots) {
    if (top.issuer !== root.subject) continue;
    if (await top.verify({ publicKey: root.publicKey, signatureOnly: true })) return root;
  }
  return undefined;
}
