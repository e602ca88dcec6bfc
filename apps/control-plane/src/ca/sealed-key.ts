// CA private keys encrypted at rest (AES-256-GCM) with the operator's key, bound to their certificate.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { IsIn, Matches } from 'class-validator';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A private key as the CA bucket keeps it: never the clear bytes. */
export class SealedKey {
  @IsIn(['A256GCM'])
  alg!: 'A256GCM';

  @Matches(BASE64)
  iv!: string;

  @Matches(BASE64)
  tag!: string;

  @Matches(BASE64)
  data!: string;
}

/** The key in `file` is not usable; the message names the file and the reason. */
export class EncryptionKeyError extends Error {}

/** Reads WEFT_CA_ENCRYPTION_KEY_FILE: 32 bytes in base64 (`openssl rand -base64 32`). */
export async function readEncryptionKey(file: string): Promise<Buffer> {
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).trim();
  } catch (err) {
    throw new EncryptionKeyError(
      `WEFT_CA_ENCRYPTION_KEY_FILE ${file} cannot be read: ${(err as Error).message}`,
    );
  }
  const key = BASE64.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (key.length !== KEY_BYTES) {
    throw new EncryptionKeyError(
      `WEFT_CA_ENCRYPTION_KEY_FILE ${file} must hold ${KEY_BYTES} random bytes in base64 ` +
        '(e.g. `openssl rand -base64 32`)',
    );
  }
  return key;
}

/**
 * Encrypts `secret` (a PKCS#8 key) under `key`; `boundTo` (the certificate's fingerprint) is
 * authenticated with it, so a sealed key moved beside another certificate does not open.
 */
export function seal(secret: Uint8Array, key: Buffer, boundTo: string): SealedKey {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(boundTo));
  const data = Buffer.concat([cipher.update(secret), cipher.final()]);
  return {
    alg: 'A256GCM',
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

/** The clear key, or throws EncryptionKeyError when `key` is not the one it was sealed with. */
export function open(sealed: SealedKey, key: Buffer, boundTo: string): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'))
      .setAAD(Buffer.from(boundTo))
      .setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
  } catch {
    throw new EncryptionKeyError(
      'WEFT_CA_ENCRYPTION_KEY_FILE does not open the CA key stored in the CA bucket: it is not ' +
        'the key the CA was created with (every control-plane replica needs the same file)',
    );
  }
}
