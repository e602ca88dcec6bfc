// One root of trust for the bench's clusters, as an operator plugs it in (and as the e2e's
// test/support/shared-root-ca.ts makes it): a self-signed P-256 root and, per cluster, an
// intermediate it signed, made with the openssl CLI, as each control plane's WEFT_CA_CERT /
// WEFT_CA_KEY / WEFT_CA_CHAIN. Sidecars of both clusters then verify each other over the gateway.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A day: the run is minutes long, and the certificates live in its temp folder only. */
const DAYS = '1';
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

const openssl = (args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/**
 * Writes the root and one intermediate per name of `clusters` under `dir` (keys mode 0600, as
 * openssl writes them); returns `{[cluster]: {WEFT_CA_CERT, WEFT_CA_KEY, WEFT_CA_CHAIN}}`.
 */
export function sharedRootCa(dir, clusters) {
  const [root, rootKey] = [join(dir, 'shared-root.pem'), join(dir, 'shared-root-key.pem')];
  openssl([
    ...['req', '-x509', ...EC_KEY, '-keyout', rootKey, '-out', root, '-days', DAYS],
    ...['-subj', '/O=Weft bench/CN=shared mesh root'],
    ...['-addext', 'basicConstraints=critical,CA:TRUE,pathlen:1'],
    ...['-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  ]);
  const extensions = join(dir, 'intermediate.ext');
  writeFileSync(
    extensions,
    'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n',
  );
  const env = {};
  for (const cluster of clusters) {
    const [cert, key, csr] = ['.pem', '-key.pem', '.csr'].map((s) =>
      join(dir, `ca-${cluster}${s}`),
    );
    openssl(
      ['req', '-new', ...EC_KEY, '-keyout', key, '-out', csr].concat([
        '-subj',
        `/O=Weft bench/CN=${cluster} intermediate`,
      ]),
    );
    openssl([
      ...['x509', '-req', '-in', csr, '-CA', root, '-CAkey', rootKey, '-CAcreateserial'],
      ...['-days', DAYS, '-extfile', extensions, '-out', cert],
    ]);
    env[cluster] = { WEFT_CA_CERT: cert, WEFT_CA_KEY: key, WEFT_CA_CHAIN: root };
  }
  return env;
}
