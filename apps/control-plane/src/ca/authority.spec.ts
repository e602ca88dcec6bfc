// The operator's CA from files: an intermediate and its chain up to the root, checked at load.
import { webcrypto, X509Certificate as NodeCertificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateFingerprint, spiffeId } from '@app/protocol';
import {
  BasicConstraintsExtension,
  ECDSA_P256,
  generateP256KeyPair,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  PublicKey,
  X509Certificate,
  X509CertificateGenerator,
} from '@app/protocol/identity/pki.js';
import { loadProvidedAuthority } from './authority.js';
import { issueLeaf } from './leaf-issuer.js';
import { generateRoot } from './root-certificate.js';
import { exportPkcs8 } from './signing-key.js';

describe('loadProvidedAuthority', () => {
  let dir: string;
  let rootPem: string;
  let intermediatePem: string;
  let intermediateKey: string;
  let otherKey: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-provided-ca-'));
    const root = await generateRoot('cluster.local');
    rootPem = root.pem;
    const keys = await generateP256KeyPair();
    const intermediate = await X509CertificateGenerator.create({
      subject: 'CN=operator intermediate',
      issuer: new X509Certificate(root.pem).subject,
      publicKey: keys.publicKey,
      signingKey: root.signing.key,
      signingAlgorithm: ECDSA_P256,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      extensions: [
        new BasicConstraintsExtension(true, 0, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign, true),
      ],
    });
    intermediatePem = intermediate.toString('pem');
    const pem = async (key: webcrypto.CryptoKey): Promise<string> =>
      PemConverter.encode(await exportPkcs8(key), 'PRIVATE KEY');
    intermediateKey = await pem(keys.privateKey);
    otherKey = await pem((await generateP256KeyPair()).privateKey);
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  const files = async (entries: Record<string, string>): Promise<Record<string, string>> => {
    const paths: Record<string, string> = {};
    for (const [name, text] of Object.entries(entries)) {
      paths[name] = join(dir, `${name}-${Math.random()}.pem`);
      await writeFile(paths[name], text);
    }
    return paths;
  };

  it('signs leaves under the intermediate, sent with it, and trusts the chain’s root', async () => {
    const f = await files({ cert: intermediatePem, key: intermediateKey, chain: rootPem });
    const authority = await loadProvidedAuthority(f.cert, f.key, f.chain);
    expect(authority.source).toBe('provided');
    expect(authority.roots.map((r) => r.fingerprint)).toEqual([certificateFingerprint(rootPem)]);
    expect(authority.intermediates.map(certificateFingerprint)).toEqual([
      certificateFingerprint(intermediatePem),
    ]);
    const workload = await PublicKey.create((await generateP256KeyPair()).publicKey);
    const id = spiffeId('cluster.local', 'shop', 'checkout');
    const leaf = new X509Certificate(
      (await issueLeaf(authority.issuer, workload, id, 60_000)).toString('pem'),
    );
    expect(leaf.issuer).toBe('CN=operator intermediate');
    // Checked by OpenSSL (node:crypto): leaf ← intermediate ← root.
    const [nodeLeaf, nodeInter, nodeRoot] = [leaf.toString('pem'), intermediatePem, rootPem].map(
      (p) => new NodeCertificate(p),
    );
    expect(nodeLeaf.checkIssued(nodeInter) && nodeLeaf.verify(nodeInter.publicKey)).toBe(true);
    expect(nodeInter.verify(nodeRoot.publicKey)).toBe(true);
  });

  it('refuses a key that is not the certificate’s', async () => {
    const f = await files({ cert: intermediatePem, key: otherKey, chain: rootPem });
    await expect(loadProvidedAuthority(f.cert, f.key, f.chain)).rejects.toThrow(
      /WEFT_CA_KEY .* is not the private key of WEFT_CA_CERT/,
    );
  });

  it('refuses an intermediate without the chain to its root', async () => {
    const f = await files({ cert: intermediatePem, key: intermediateKey });
    await expect(loadProvidedAuthority(f.cert, f.key, undefined)).rejects.toThrow(
      /WEFT_CA_CHAIN \(unset\) must end with the self-signed root/,
    );
  });
});
