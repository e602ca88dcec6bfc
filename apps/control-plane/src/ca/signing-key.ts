// CA private keys to and from PKCS#8, with the signature algorithm each kind of key signs with.
import { createPrivateKey, webcrypto } from 'node:crypto';

type SigningAlgorithm =
  | { readonly name: 'ECDSA'; readonly namedCurve: string; readonly hash: string }
  | { readonly name: 'RSASSA-PKCS1-v1_5'; readonly hash: string };

/** A CA key ready to sign with, and the algorithm it signs with. */
export interface SigningKey {
  readonly key: webcrypto.CryptoKey;
  readonly algorithm: SigningAlgorithm;
}

const CURVES: Record<string, { namedCurve: string; hash: string }> = {
  prime256v1: { namedCurve: 'P-256', hash: 'SHA-256' },
  secp384r1: { namedCurve: 'P-384', hash: 'SHA-384' },
};

/**
 * Imports a private key (PEM in any of OpenSSL's forms, or PKCS#8 DER): ECDSA P-256/P-384 or RSA;
 * throws naming `source` for anything else.
 */
export async function importSigningKey(
  material: string | Buffer,
  source: string,
): Promise<SigningKey> {
  let pkcs8: Buffer;
  let algorithm: SigningAlgorithm;
  try {
    const key =
      typeof material === 'string'
        ? createPrivateKey(material)
        : createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
    pkcs8 = key.export({ format: 'der', type: 'pkcs8' });
    const curve = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (key.asymmetricKeyType === 'ec' && curve) algorithm = { name: 'ECDSA', ...curve };
    else if (key.asymmetricKeyType === 'rsa')
      algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    else throw new Error('only ECDSA P-256/P-384 and RSA keys can sign workload certificates');
  } catch (err) {
    throw new Error(`${source}: not a usable CA private key: ${(err as Error).message}`);
  }
  const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, true, ['sign']);
  return { key, algorithm };
}

/** The PKCS#8 bytes of a key made here (to seal into the CA bucket). */
export async function exportPkcs8(key: webcrypto.CryptoKey): Promise<Buffer> {
  return Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
}
