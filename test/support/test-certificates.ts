// Self-signed certificates made with the real `openssl`, for TLS servers and clients in tests.
import { execFileSync } from 'node:child_process';
import { mkdir, rename } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';

export interface CertificateFiles {
  readonly crt: string;
  readonly key: string;
}

/**
 * A self-signed certificate for `host` (a DNS name or an IP) in `<folder>/tls.crt` and `tls.key`; it
 * is its own CA, so trusting the certificate is trusting the peer that holds its key.
 */
export async function makeCertificate(folder: string, host: string): Promise<CertificateFiles> {
  await mkdir(folder, { recursive: true });
  const [key, crt] = [join(folder, 'tls.key'), join(folder, 'tls.crt')];
  const san = isIP(host) ? `IP:${host}` : `DNS:${host}`;
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2'];
  args.push('-subj', `/CN=${host}`, '-addext', `subjectAltName=${san}`);
  // Written aside and renamed in, as a secret volume update would be: never half a file.
  execFileSync('openssl', [...args, '-keyout', `${key}.new`, '-out', `${crt}.new`], {
    stdio: 'ignore',
  });
  await rename(`${key}.new`, key);
  await rename(`${crt}.new`, crt);
  return { crt, key };
}
