// Attacks on the CA's signing checks: each CSR the requester is not entitled to is refused.
import { webcrypto } from 'node:crypto';
import {
  Pkcs10CertificateRequestGenerator,
  SubjectAlternativeNameExtension,
  X509Certificate,
  type JsonGeneralName,
  ECDSA_P256,
  generateP256KeyPair,
} from '@app/protocol/identity/pki.js';
import { spiffeId } from '@app/protocol';
import { checkCsr } from './csr-check.js';
import { issueLeaf } from './leaf-issuer.js';
import { generateRoot } from './root-certificate.js';

const ENTITLED = spiffeId('cluster.local', 'shop', 'checkout');

async function csr(
  names: JsonGeneralName[] | undefined,
  keys?: webcrypto.CryptoKeyPair,
): Promise<string> {
  const request = await Pkcs10CertificateRequestGenerator.create({
    keys: keys ?? (await generateP256KeyPair()),
    signingAlgorithm: ECDSA_P256,
    extensions: names ? [new SubjectAlternativeNameExtension(names)] : [],
  });
  return request.toString('pem');
}

const uri = (value: string): JsonGeneralName => ({ type: 'url', value });

describe('checkCsr', () => {
  it('accepts a CSR naming exactly the entitled identity', async () => {
    const checked = await checkCsr(await csr([uri(ENTITLED)]), ENTITLED);
    expect(checked.ok).toBe(true);
  });

  it.each([
    ['another identity', [uri(spiffeId('cluster.local', 'shop', 'payments'))], 'other-identity'],
    ['another namespace', [uri(spiffeId('cluster.local', 'admin', 'checkout'))], 'other-identity'],
    [
      'another trust domain',
      [uri(spiffeId('evil.example', 'shop', 'checkout'))],
      'foreign-trust-domain',
    ],
    ['extra SANs', [uri(ENTITLED), { type: 'dns', value: 'checkout.shop' }], 'extra-names'],
    [
      'two identities',
      [uri(ENTITLED), uri(spiffeId('cluster.local', 'shop', 'payments'))],
      'extra-names',
    ],
    ['a DNS name instead', [{ type: 'dns', value: 'checkout' }], 'extra-names'],
    ['no identity', undefined, 'no-identity'],
  ] as const)('refuses a CSR for %s', async (_what, names, reason) => {
    const checked = await checkCsr(await csr(names ? [...names] : undefined), ENTITLED);
    expect(checked).toMatchObject({ ok: false, reason });
  });

  it('refuses a CSR not signed by the key it carries (someone else’s public key)', async () => {
    const [victim, attacker] = [await generateP256KeyPair(), await generateP256KeyPair()];
    const forged = await csr([uri(ENTITLED)], {
      publicKey: victim.publicKey,
      privateKey: attacker.privateKey,
    });
    expect(await checkCsr(forged, ENTITLED)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a weak key', async () => {
    const rsa = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const keys = await webcrypto.subtle.generateKey(
      { ...rsa, modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]) },
      true,
      ['sign', 'verify'],
    );
    const request = await Pkcs10CertificateRequestGenerator.create({
      keys,
      signingAlgorithm: rsa,
      extensions: [new SubjectAlternativeNameExtension([uri(ENTITLED)])],
    });
    expect(await checkCsr(request.toString('pem'), ENTITLED)).toMatchObject({
      ok: false,
      reason: 'weak-key',
      message: expect.stringContaining('RSA-1024') as string,
    });
  });

  it('refuses garbage', async () => {
    const garbage =
      '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n';
    expect(await checkCsr(garbage, ENTITLED)).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('issueLeaf', () => {
  it('signs the identity alone, for TLS clients and servers, chained to the root', async () => {
    const root = await generateRoot('cluster.local');
    const rootCert = new X509Certificate(root.pem);
    const checked = await checkCsr(await csr([uri(ENTITLED)]), ENTITLED);
    if (!checked.ok) throw new Error(checked.message);
    const now = Date.now();
    const leaf = await issueLeaf(
      { cert: rootCert, signing: root.signing },
      checked.publicKey,
      ENTITLED,
      3_600_000,
      now,
    );
    expect(await leaf.verify({ publicKey: rootCert.publicKey, date: new Date(now) })).toBe(true);
    const san = leaf.getExtension(SubjectAlternativeNameExtension);
    expect(san?.names.items.map((n) => [n.type, n.value])).toEqual([['url', ENTITLED]]);
    expect(leaf.notAfter.getTime()).toBe(Math.floor((now + 3_600_000) / 1000) * 1000);
    expect(leaf.subject).toBe('');
    expect(leaf.issuer).toBe(rootCert.subject);
  });
});
