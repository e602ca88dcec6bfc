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

/** A certificate authority (`<folder>/ca.crt`, `ca.key`): ECDSA P-256, as the mesh CA's. */
export async function makeCertificateAuthority(folder: string): Promise<CertificateFiles> {
  await mkdir(folder, { recursive: true });
  const [key, crt] = [join(folder, 'ca.key'), join(folder, 'ca.crt')];
  const args = ['req', '-x509', ...P256, '-nodes', '-days', '2', '-subj', '/CN=weft test CA'];
  args.push('-addext', 'basicConstraints=critical,CA:TRUE');
  args.push('-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  execFileSync('openssl', [...args, '-keyout', key, '-out', crt], { stdio: 'ignore' });
  return { crt, key };
}

/**
 * A certificate signed by `ca` for one subject alternative name (`IP:127.0.0.1`, or
 * `URI:spiffe://…` as a workload's), good for TLS servers and clients, in `<folder>/<name>.crt`
 * and `.key`.
 */
export async function issueCertificate(
  ca: CertificateFiles,
  folder: string,
  name: string,
  san: string,
): Promise<CertificateFiles> {
  await mkdir(folder, { recursive: true });
  const [key, csr, crt] = ['key', 'csr', 'crt'].map((ext) => join(folder, `${name}.${ext}`));
  const request = ['req', '-new', ...P256, '-nodes', '-subj', `/CN=${name}`];
  request.push('-addext', `subjectAltName=${san}`);
  request.push('-addext', 'extendedKeyUsage=serverAuth,clientAuth');
  execFileSync('openssl', [...request, '-keyout', key, '-out', csr], { stdio: 'ignore' });
  const sign = ['x509', '-req', '-in', csr, '-CA', ca.crt, '-CAkey', ca.key, '-days', '2'];
  execFileSync('openssl', [...sign, '-copy_extensions', 'copyall', '-out', crt], {
    stdio: 'ignore',
  });
  return { crt, key };
}

const P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
