// PEM certificates as the CA protocol carries them, and the fingerprints trust reports name roots by.
import { createHash } from 'node:crypto';

const PEM_CERTIFICATE =
  /-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END CERTIFICATE-----/g;

/** Every certificate block of a PEM text, in order, each normalized to `\n` line ends. */
export function pemCertificates(text: string): string[] {
  return [...text.matchAll(PEM_CERTIFICATE)].map(
    (m) => `-----BEGIN CERTIFICATE-----\n${m[1].replace(/\r/g, '')}-----END CERTIFICATE-----\n`,
  );
}

/**
 * SHA-256 of a certificate's DER bytes, lower-case hex (`openssl x509 -fingerprint -sha256`
 * without the colons): how a proxy reports which roots it trusts and its leaves chain to.
 */
export function certificateFingerprint(pem: string): string {
  const [block] = pemCertificates(pem);
  if (block === undefined) throw new Error('not a PEM certificate');
  const der = Buffer.from(block.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  return createHash('sha256').update(der).digest('hex');
}
