// One root of trust for several clusters, as an operator plugs it in (Istio's "plug in CA
// certificates"): a self-signed root and, per cluster, an intermediate it signed, written as the
// WEFT_CA_CERT / WEFT_CA_KEY / WEFT_CA_CHAIN files of that cluster's control plane.
import { webcrypto } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BasicConstraintsExtension,
  ECDSA_P256,
  generateP256KeyPair,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  X509CertificateGenerator,
} from '@app/protocol/identity/pki.js';

const DAY_MS = 86_400_000;

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  return PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** Writes the root and one intermediate per cluster under `dir`; returns each cluster's CA env. */
export async function sharedRootCa(
  dir: string,
  clusters: readonly string[],
): Promise<Record<string, Record<string, string>>> {
  const now = Date.now();
  const rootKeys = await generateP256KeyPair();
  const root = await X509CertificateGenerator.createSelfSigned({
    name: 'O=Weft e2e, CN=shared mesh root',
    keys: rootKeys,
    signingAlgorithm: ECDSA_P256,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + DAY_MS),
    extensions: [
      new BasicConstraintsExtension(true, 1, true),
      new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
    ],
  });
  const rootFile = join(dir, 'shared-root.pem');
  await writeFile(rootFile, root.toString('pem'));
  const env: Record<string, Record<string, string>> = {};
  for (const cluster of clusters) {
    const keys = await generateP256KeyPair();
    const intermediate = await X509CertificateGenerator.create({
      subject: `O=Weft e2e, CN=${cluster} intermediate`,
      issuer: root.subject,
      publicKey: keys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: ECDSA_P256,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + DAY_MS),
      extensions: [
        new BasicConstraintsExtension(true, 0, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
      ],
    });
    const [cert, key] = [join(dir, `ca-${cluster}.pem`), join(dir, `ca-${cluster}-key.pem`)];
    await writeFile(cert, intermediate.toString('pem'));
    await writeFile(key, await pkcs8Pem(keys.privateKey), { mode: 0o600 });
    env[cluster] = { WEFT_CA_CERT: cert, WEFT_CA_KEY: key, WEFT_CA_CHAIN: rootFile };
  }
  return env;
}
