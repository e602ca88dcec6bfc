// What a CSR must be for the CA to sign it: well-formed, self-signed by its key, a strong key, and
// asking for exactly the identity its requester is entitled to — nothing else.
import { createPublicKey } from 'node:crypto';
import {
  Pkcs10CertificateRequest,
  SubjectAlternativeNameExtension,
  type PublicKey,
} from '@app/protocol/identity/pki.js';
import { parseSpiffeId } from '@app/protocol';

/** Why a CSR was refused: the `reason` label of `weft_ca_refusals_total`. */
export type CsrRefusal =
  | 'malformed'
  | 'bad-signature'
  | 'weak-key'
  | 'no-identity'
  | 'extra-names'
  | 'foreign-trust-domain'
  | 'other-identity';

export type CsrCheck =
  | { readonly ok: true; readonly publicKey: PublicKey }
  | { readonly ok: false; readonly reason: CsrRefusal; readonly message: string };

const SAN_OID = '2.5.29.17';
const EC_CURVES = new Set(['prime256v1', 'secp384r1']);
const MIN_RSA_BITS = 2048;

const refuse = (reason: CsrRefusal, message: string): CsrCheck => ({ ok: false, reason, message });

/** Checks `pem` against `entitled`, the SPIFFE ID the request's subject names. */
export async function checkCsr(pem: string, entitled: string): Promise<CsrCheck> {
  let csr: Pkcs10CertificateRequest;
  try {
    csr = new Pkcs10CertificateRequest(pem);
  } catch (err) {
    return refuse('malformed', `the CSR cannot be parsed: ${(err as Error).message}`);
  }
  const verified = await csr.verify().catch(() => false);
  if (!verified) return refuse('bad-signature', 'the CSR is not signed by the key it carries');
  const weak = weakKey(csr.publicKey);
  if (weak) return refuse('weak-key', weak);
  const names: { type: string; value: string }[] = csr.extensions
    .filter((e) => e.type === SAN_OID)
    .flatMap((e) =>
      e instanceof SubjectAlternativeNameExtension
        ? e.names.items.map(({ type, value }) => ({ type, value }))
        : [{ type: 'unparsed', value: '' }],
    );
  if (names.length === 0)
    return refuse('no-identity', `the CSR names no identity; ask for ${entitled}`);
  if (names.length > 1 || names[0].type !== 'url') {
    return refuse(
      'extra-names',
      `the CSR must name ${entitled} as its only subject alternative name`,
    );
  }
  const asked = names[0].value;
  if (asked === entitled) return { ok: true, publicKey: csr.publicKey };
  const wanted = parseSpiffeId(asked);
  const own = parseSpiffeId(entitled);
  if (wanted && own && wanted.trustDomain !== own.trustDomain) {
    return refuse('foreign-trust-domain', `the CA signs only for trust domain ${own.trustDomain}`);
  }
  return refuse('other-identity', `the requester is entitled to ${entitled} only, not ${asked}`);
}

/** Why the key is too weak or of a kind the mesh does not use; undefined when it is fine. */
function weakKey(key: PublicKey): string | undefined {
  const details = createPublicKey({ key: Buffer.from(key.rawData), format: 'der', type: 'spki' });
  const { asymmetricKeyType: type, asymmetricKeyDetails: info } = details;
  if (type === 'ec' && EC_CURVES.has(info?.namedCurve ?? '')) return undefined;
  if (type === 'rsa' && (info?.modulusLength ?? 0) >= MIN_RSA_BITS) return undefined;
  const what =
    type === 'rsa' ? `RSA-${info?.modulusLength}` : `${type} ${info?.namedCurve ?? ''}`.trim();
  return `a ${what} key is refused: use ECDSA P-256/P-384 or RSA of ${MIN_RSA_BITS} bits or more`;
}
